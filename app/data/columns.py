"""The columns each upload understands, with Danish and English header names.

Headers are compared after normalising (lower case, only letters and digits), so
"Distance (km)", "distance_km" and "DISTANCE KM" are the same column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NON_ALNUM = re.compile(r"[^0-9a-zæøåäöü]+")
# Unknown columns whose header looks like a person: never imported (no driver identities).
_PERSONAL_HINTS = (
    "chauffør",
    "chauffor",
    "driver",
    "fører",
    "forer",
    "medarbejder",
    "employee",
    "cpr",
    "personnummer",
    "personid",
    "initialer",
    "initials",
    "brugernavn",
    "username",
    "ansat",
    "navn",
    "name",
    "lønnummer",
    "lonnummer",
    "email",
    "mail",
    "telefon",
    "phone",
)
_CPR_VALUE = re.compile(r"^\s*\d{6}-?\d{4}\s*$")


def normalise_header(header) -> str:
    return _NON_ALNUM.sub("", str(header or "").strip().lower().replace("\ufeff", ""))


@dataclass(frozen=True)
class Column:
    field: str
    label: str  # the Danish header our exports write
    aliases: tuple[str, ...] = ()
    required: bool = False


@dataclass
class HeaderMap:
    index: dict[str, int] = field(default_factory=dict)  # field -> column position
    headers: dict[str, str] = field(default_factory=dict)  # field -> header as written
    missing: list[Column] = field(default_factory=list)
    personal: list[str] = field(default_factory=list)
    personal_index: list[int] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)

    def has(self, field_name: str) -> bool:
        return field_name in self.index


class ColumnSpec:
    def __init__(self, columns: list[Column]):
        self.columns = columns
        self._lookup: dict[str, Column] = {}
        for column in columns:
            for name in (column.field, column.label, *column.aliases):
                self._lookup[normalise_header(name)] = column

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    def map_headers(self, headers: list) -> HeaderMap:
        result = HeaderMap()
        for position, header in enumerate(headers):
            key = normalise_header(header)
            if not key:
                continue
            column = self._lookup.get(key)
            if column is None:
                if looks_personal(key):
                    result.personal.append(str(header).strip())
                    result.personal_index.append(position)
                else:
                    result.unknown.append(str(header).strip())
            elif column.field in result.index:
                result.duplicated.append(str(header).strip())
            else:
                result.index[column.field] = position
                result.headers[column.field] = str(header).strip()
        result.missing = [c for c in self.required if c.field not in result.index]
        return result

    def matches(self, headers: list) -> bool:
        mapped = self.map_headers(headers)
        return not mapped.missing and bool(mapped.index)


def looks_personal(normalised_header: str) -> bool:
    return any(hint in normalised_header for hint in _PERSONAL_HINTS)


def looks_like_cpr(values: list) -> bool:
    filled = [v for v in values if v not in (None, "")]
    return bool(filled) and all(_CPR_VALUE.match(str(v)) for v in filled)


TRIP_COLUMNS = ColumnSpec(
    [
        Column("trip_id", "Tur-id", ("trip id", "tur id", "rundtur id", "id")),
        Column(
            "vehicle",
            "Køretøj",
            (
                "vehicle",
                "vehicle id",
                "vehicle_id",
                "fleet id",
                "køretøj id",
                "vognnummer",
                "vognnr",
                "bil",
                "bil id",
                "nummerplade",
                "plate",
                "registreringsnummer",
                "regnr",
            ),
            required=True,
        ),
        Column("location", "Lokation", ("location", "hjemsted", "adresse id", "location name")),
        Column(
            "start",
            "Start",
            ("start", "start time", "starttid", "starttidspunkt", "start tidspunkt", "afgang"),
            required=True,
        ),
        Column(
            "end",
            "Slut",
            ("end", "end time", "sluttid", "sluttidspunkt", "slut tidspunkt", "ankomst"),
            required=True,
        ),
        Column(
            "distance_km",
            "Km",
            ("distance", "distance km", "km", "afstand", "afstand km", "kilometer", "kørte km"),
            required=True,
        ),
        Column(
            "driving_minutes",
            "Køretid min",
            ("driving minutes", "driving time", "køretid", "køretid minutter", "kørselstid"),
        ),
    ]
)

GPS_COLUMNS = ColumnSpec(
    [
        TRIP_COLUMNS.columns[1],
        Column("start", "Start", TRIP_COLUMNS.columns[3].aliases, required=True),
        Column("end", "Slut", TRIP_COLUMNS.columns[4].aliases, required=True),
        Column(
            "start_lat",
            "Start breddegrad",
            ("start lat", "start latitude", "startlat", "start bredde", "fra breddegrad"),
            required=True,
        ),
        Column(
            "start_lon",
            "Start længdegrad",
            ("start lon", "start lng", "start longitude", "startlon", "fra længdegrad"),
            required=True,
        ),
        Column(
            "end_lat",
            "Slut breddegrad",
            ("end lat", "end latitude", "endlat", "slut bredde", "til breddegrad"),
            required=True,
        ),
        Column(
            "end_lon",
            "Slut længdegrad",
            ("end lon", "end lng", "end longitude", "endlon", "til længdegrad"),
            required=True,
        ),
        Column("distance_km", "Km", TRIP_COLUMNS.columns[5].aliases, required=True),
    ]
)

VEHICLE_COLUMNS = ColumnSpec(
    [
        Column(
            "fleet_id",
            "Vognnummer",
            ("fleet id", "fleet_id", "vehicle", "vehicle id", "køretøj", "vognnr", "id"),
            required=True,
        ),
        Column("plate", "Nummerplade", ("plate", "registreringsnummer", "regnr")),
        Column("make", "Mærke", ("make", "fabrikat", "brand")),
        Column("model", "Model", ("model",)),
        Column("vehicle_type", "Type", ("vehicle type", "køretøjstype", "type")),
        Column("plug_in_hybrid", "Plugin-hybrid", ("plug in hybrid", "plugin hybrid", "phev")),
        Column("fuel", "Drivmiddel", ("fuel", "brændstof", "energi")),
        Column("km_per_litre", "Km/l", ("km per litre", "km per liter", "km/l", "kml")),
        Column("wh_per_km", "Wh/km", ("wh per km", "whkm")),
        Column("range_km", "Rækkevidde km", ("range", "range km", "rækkevidde")),
        Column(
            "yearly_cost_dkk",
            "Årlig omkostning kr",
            ("yearly cost", "yearly cost dkk", "årlig omkostning", "årlig udgift"),
        ),
        Column("location", "Lokation", ("location", "hjemsted")),
        Column("administration", "Forvaltning", ("administration",)),
        Column("department", "Afdeling", ("department",)),
        Column("lease_type", "Leasingtype", ("lease type", "ejerform")),
        Column("lease_start", "Leasing start", ("lease start", "leasingstart")),
        Column("lease_end", "Leasing slut", ("lease end", "leasingslut", "leasingudløb")),
        Column(
            "yearly_km_allowance",
            "Årlig km-tilladelse",
            ("yearly km allowance", "km tilladelse", "årlig km"),
        ),
        Column("disabled", "Deaktiveret", ("disabled", "inaktiv")),
        Column("candidate", "Testkøretøj", ("candidate", "test vehicle", "testbil")),
    ]
)

LOCATION_COLUMNS = ColumnSpec(
    [
        Column("name", "Navn", ("name", "lokation", "location"), required=True),
        Column("address", "Adresse", ("address",)),
        Column("latitude", "Breddegrad", ("latitude", "lat", "bredde")),
        Column("longitude", "Længdegrad", ("longitude", "lon", "lng", "længde")),
        Column("radius_m", "Radius m", ("radius", "radius m", "radius meter")),
        Column(
            "parking_points",
            "Ekstra parkeringspladser",
            ("parking points", "extra parking points", "parkeringspladser", "parkering"),
        ),
    ]
)

MODEL_COLUMNS = ColumnSpec(
    [
        Column("make", "Mærke", ("make", "fabrikat", "brand"), required=True),
        Column("model", "Model", ("model",), required=True),
        Column("vehicle_type", "Type", ("vehicle type", "køretøjstype"), required=True),
        Column("plug_in_hybrid", "Plugin-hybrid", ("plug in hybrid", "plugin hybrid", "phev")),
        Column("fuel", "Drivmiddel", ("fuel", "brændstof"), required=True),
        Column("km_per_litre", "Km/l", ("km per litre", "km per liter", "kml")),
        Column("wh_per_km", "Wh/km", ("wh per km", "whkm")),
        Column("range_km", "Rækkevidde km", ("range", "range km", "rækkevidde")),
        Column(
            "yearly_cost_dkk",
            "Årlig omkostning kr",
            ("yearly cost", "yearly cost dkk", "årlig omkostning"),
        ),
        Column("source", "Kilde", ("source", "note")),
    ]
)
