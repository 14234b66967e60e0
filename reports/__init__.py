"""Decision reports: the PDF a planner puts on a committee's agenda (WeasyPrint, PDF/UA-1)."""
