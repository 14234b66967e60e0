"""Every parameter the analysis uses, with Danish label, unit, default, source and year.

Keys are the dotted paths of the engine's parameters JSON, so a ParameterSet converts to
engine input by `to_engine_parameters`. Sources: ../shared/reference/danish-defaults.md.
"""

from __future__ import annotations

from dataclasses import dataclass

POGI = "Miljøstyrelsen / POGI, TCO-værktøj for motorkøretøjer"
SKAT = "Skatterådet, skattefri kørselsgodtgørelse (høj sats)"
NAF = "NAF vintertest af elbiler (El Prix)"
OS2 = "Standard i OS2fleetoptimiser"
FLEET = "FleetOptimiser standard"


@dataclass(frozen=True)
class ParameterSpec:
    key: str
    label: str
    value: object
    unit: str
    source: str
    year: int | None
    group: str
    help: str = ""


CATALOGUE: list[ParameterSpec] = [
    # Emission factors, tank-to-wheel (scope 1); electricity from the tool's projection.
    ParameterSpec("emission_kg_per_unit.petrol", "Udledning, benzin", 2.52, "kg CO2e/l", POGI, 2021, "Udledning", "Tank-to-wheel (scope 1)."),
    ParameterSpec("emission_kg_per_unit.diesel", "Udledning, diesel", 2.98, "kg CO2e/l", POGI, 2021, "Udledning", "Tank-to-wheel (scope 1)."),
    ParameterSpec("emission_kg_per_unit.hvo", "Udledning, HVO", 0.894, "kg CO2e/l", POGI, 2021, "Udledning"),
    ParameterSpec("emission_kg_per_unit.electricity", "Udledning, el", 0.089, "kg CO2e/kWh", POGI, 2021, "Udledning", "Fremskrivning falder mod 0,012 efter 2029."),
    ParameterSpec("energy_price_dkk_per_unit.petrol", "Pris, benzin", 12.33, "kr./l", POGI, 2021, "Priser"),
    ParameterSpec("energy_price_dkk_per_unit.diesel", "Pris, diesel", 10.83, "kr./l", POGI, 2021, "Priser"),
    ParameterSpec("energy_price_dkk_per_unit.hvo", "Pris, HVO", 19.84, "kr./l", POGI, 2021, "Priser"),
    ParameterSpec("energy_price_dkk_per_unit.electricity", "Pris, el", 2.13, "kr./kWh", POGI, 2021, "Priser"),
    ParameterSpec("co2_value_dkk_per_t", "Samfundsøkonomisk CO2-pris", 1500, "kr./t CO2e", "Klimarådet (standard i POGI-værktøjet)", 2020, "Priser", "Værdisætter udledningen i optimeringen; vises adskilt fra kroner brugt."),
    ParameterSpec("own_car.allowance_dkk_per_km", "Kørselsgodtgørelse, egen bil", 3.94, "kr./km", SKAT, 2026, "Egen bil", "Ture uden flådekøretøj køres i medarbejderens egen bil."),
    ParameterSpec("own_car.km_per_litre", "Egen bil, brændstofforbrug", 18, "km/l (benzin)", "Typisk lille benzinbil, WLTP", 2026, "Egen bil"),
    ParameterSpec("unserved.penalty_dkk_per_trip", "Strafomkostning pr. uløst tur", 0, "kr./tur", FLEET, 2026, "Uløste ture", "Indgår kun i optimeringen, ikke i kroner brugt."),
    ParameterSpec("unserved.max_trips_per_pool", "Højst uløste ture pr. pulje", None, "ture i perioden", FLEET, 2026, "Uløste ture", "Tom = ingen grænse."),
    ParameterSpec("unserved.must_serve_above_km", "Ture over denne længde skal løses af flåden", None, "km", FLEET, 2026, "Uløste ture", "Tom = ingen grænse."),
    ParameterSpec("changeover_minutes", "Skiftetid mellem ture", 5, "minutter", OS2, 2024, "Drift"),
    ParameterSpec("ev.winter_derating_pct", "Elbilers rækkevidde om vinteren, nedskrivning", 30, "%", NAF, 2026, "Elbiler", "40 % som stresstest."),
    ParameterSpec("ev.charger_kw", "Ladeeffekt på hjemlokation", 11, "kW", FLEET, 2026, "Elbiler"),
    ParameterSpec("ev.min_charging_minutes", "Mindste ophold for opladning", 30, "minutter", FLEET, 2026, "Elbiler"),
    ParameterSpec("bike.max_km", "Cykel, højst km pr. tur", 15, "km", OS2, 2024, "Cykler"),
    ParameterSpec("bike.speed_kmh", "Cykel, hastighed", 20, "km/t", OS2, 2024, "Cykler"),
    ParameterSpec("bike.windows", "Cykel, tilladte tidsrum", [["07:00", "15:30"]], "tidsrum", OS2, 2024, "Cykler"),
    ParameterSpec("ebike.max_km", "Elcykel, højst km pr. tur", 25, "km", FLEET, 2026, "Cykler"),
    ParameterSpec("ebike.speed_kmh", "Elcykel, hastighed", 30, "km/t", OS2, 2024, "Cykler"),
    ParameterSpec("ebike.windows", "Elcykel, tilladte tidsrum", [["07:00", "15:30"]], "tidsrum", OS2, 2024, "Cykler"),
    ParameterSpec(
        "allocation.bike_share_pct", "Andel af cykelegnede ture, som medarbejderne cykler", 50, "%",
        "FleetOptimiser planlægningsantagelse (OS2fleetoptimiser: 100 %)", 2026, "Fordeling af ture",
        "En planlægningsantagelse, ikke en måling. Af de ture, en cykel eller elcykel kan klare "
        "(længde, fart og tidsrum ovenfor), regnes kun denne andel som cyklet: regn, sne og "
        "glatføre, udstyr der skal med, borgere eller kolleger der skal køres, helbred og "
        "personlige vaner betyder, at ikke alle korte dagture bliver cyklet. 100 % (som i "
        "OS2fleetoptimiser) flytter alle egnede ture til cykler og overvurderer besparelsen; "
        "50 % er et forsigtigt midtpunkt. Ture, der i dag køres på cykel eller elcykel, tæller "
        "altid med. Hvilke ture der tæller, afgøres fast ud fra turens id, så samme data giver "
        "samme resultat. Sæt værdien efter lokal erfaring, fx andelen af korte ture der cykles i "
        "dag, hvor der er cykler nok, og prøv gerne 30 % og 70 % for at se, hvor følsomt "
        "resultatet er.",
    ),
    ParameterSpec(
        "allocation.keep_type_locations", "Behold køretøjstypen på lokationerne", [], "lokationer",
        FLEET, 2026, "Fordeling af ture",
        "På disse lokationer må en tur kun køres af samme type køretøj (cykel, elcykel, elbil, "
        "fossilbil) som i dag, fx hvor personalet ikke kan skifte til cykel. Gælder turens "
        "hjemlokation, også når lokationer deler flåde. Ture med ukendt køretøj og kørsel i egen "
        "bil er ikke begrænset. Lokationsnavne adskilt af semikolon; tom = ingen.",
    ),
    ParameterSpec(
        "allowance.overage_dkk_per_km", "Pris pr. km over leasingens km-tilladelse", None,
        "kr./km over", "FleetOptimiser standard; leasingaftaler opkræver typisk 0,5-2 kr./km",
        2026, "Leasing",
        "Tom = km-tilladelsen er en fast grænse: et køretøj kører højst sin årlige "
        "km-tilladelse i planen. Med en pris må det køre mere, og hver km over koster prisen "
        "(som leasingaftalens merkørsel); se kontrakten for den rigtige sats.",
    ),
]  # fmt: skip

# The parameter whose value is a list of location names (not numbers or time windows).
KEEP_TYPE_KEY = "allocation.keep_type_locations"
BIKE_SHARE_KEY = "allocation.bike_share_pct"
LOCATION_LISTS = {KEEP_TYPE_KEY}

BY_KEY = {spec.key: spec for spec in CATALOGUE}


def default_values() -> dict:
    """The `values` of the shipped default ParameterSet."""
    return {
        spec.key: {"value": spec.value, "unit": spec.unit, "source": spec.source, "year": spec.year}
        for spec in CATALOGUE
    }


def to_engine_parameters(plain: dict) -> dict:
    """{"ev.charger_kw": 11, ...} -> {"ev": {"charger_kw": 11}, ...} (engine JSON)."""
    nested: dict = {}
    for key, value in plain.items():
        parts = key.split(".")
        target = nested
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return nested
