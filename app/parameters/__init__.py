"""Parameter sets: the catalogue of defaults (with sources) and the services around them."""
