"""Writes the bad-file corpus in tests/data/bad/ (run once; the files are committed).

Kept so the binary files (XLSX, XLS header, random bytes) can be rebuilt and reviewed.
Each file's expected Danish message is asserted in test_bad_files.py.
"""

from __future__ import annotations

import random
from pathlib import Path

BAD = Path(__file__).parent / "bad"
HEAD = "Køretøj;Lokation;Start;Slut;Km;Køretid min\n"


def write(name: str, content: str | bytes, encoding: str = "utf-8") -> None:
    path = BAD / name
    if isinstance(content, str):
        path.write_bytes(content.encode(encoding))
    else:
        path.write_bytes(content)


def trips(*rows: str) -> str:
    return HEAD + "".join(row + "\n" for row in rows)


def main() -> None:
    BAD.mkdir(exist_ok=True)
    ok = "26;Hjemmeplejen Nord;03-03-2026 08:00;03-03-2026 09:30;12,5;40"
    write("empty.csv", "")
    write("only_blank_lines.csv", "\n\n  \n")
    rng = random.Random(1)
    write("binary.csv", bytes(rng.randrange(256) for _ in range(4096)))
    write("old_excel.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    write("not_really.xlsx", trips(ok))
    write(
        "html_page.csv",
        "<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>",
    )
    write("wrong_headers.csv", "foo;bar;baz\n1;2;3\n")
    write("missing_km_column.csv", "Køretøj;Start;Slut\n26;03-03-2026 08:00;03-03-2026 09:00\n")
    write("wrong_delimiter.csv", "Køretøj:Start:Slut:Km\n26:03-03-2026 08.00:03-03-2026 09.00:12\n")
    write("headers_only.csv", HEAD)
    write(
        "unparseable_date.csv",
        trips(ok, "26;Hjemmeplejen Nord;i går kl. 8;03-03-2026 09:30;12,5;40"),
    )
    write(
        "impossible_date.csv", trips("26;Hjemmeplejen Nord;31-02-2026 08:00;31-02-2026 09:00;5;20")
    )
    write(
        "end_before_start.csv", trips("26;Hjemmeplejen Nord;03-03-2026 10:00;03-03-2026 09:00;5;20")
    )
    write("negative_km.csv", trips("26;Hjemmeplejen Nord;03-03-2026 08:00;03-03-2026 09:00;-4;20"))
    write("absurd_km.csv", trips("26;Hjemmeplejen Nord;03-03-2026 08:00;05-03-2026 09:00;25000;20"))
    write(
        "absurd_speed.csv", trips("26;Hjemmeplejen Nord;03-03-2026 08:00;03-03-2026 08:30;500;20")
    )
    write(
        "km_not_a_number.csv", trips("26;Hjemmeplejen Nord;03-03-2026 08:00;03-03-2026 09:00;ti;20")
    )
    write(
        "driving_longer_than_trip.csv",
        trips("26;Hjemmeplejen Nord;03-03-2026 08:00;03-03-2026 09:00;10;95"),
    )
    write("duplicate_rows.csv", trips(ok, ok))
    write(
        "overlapping_trips.csv",
        trips(ok, "26;Hjemmeplejen Nord;03-03-2026 09:00;03-03-2026 11:00;8;30"),
    )
    write(
        "overlaps_stored_trip.csv",
        trips("26;Hjemmeplejen Nord;02-03-2026 09:00;02-03-2026 11:00;8;30"),
    )
    write(
        "unknown_vehicle.csv",
        trips("XX999;Hjemmeplejen Nord;03-03-2026 08:00;03-03-2026 09:00;5;20"),
    )
    # "2" is a substring of "26" and "264": it must not match either (incumbent bug).
    write(
        "substring_vehicle_id.csv",
        trips("2;Hjemmeplejen Nord;03-03-2026 08:00;03-03-2026 09:00;5;20"),
    )
    write("empty_vehicle.csv", trips(";Hjemmeplejen Nord;03-03-2026 08:00;03-03-2026 09:00;5;20"))
    write(
        "unknown_location.csv", trips("26;Hjemmeplejen Øst;03-03-2026 08:00;03-03-2026 09:00;5;20")
    )
    write("missing_end_cell.csv", trips("26;Hjemmeplejen Nord;03-03-2026 08:00"))
    # Conventions that must work, each file with one real error to prove it was read right.
    write(
        "comma_delimiter_decimal_comma.csv",
        "vehicle,location,start,end,distance_km,driving_minutes\n"
        '26,Hjemmeplejen Nord,2026-03-03 08:00,2026-03-03 09:00,"12,5","20,5"\n'
        '264,Hjemmeplejen Nord,2026-03-03 08:00,2026-03-03 09:00,"-3,5",20\n',
    )
    write(
        "bom_utf8.csv",
        "\ufeff" + trips(ok, "ZZ1;Hjemmeplejen Nord;03-03-2026 08:00;03-03-2026 09:00;5;20"),
    )
    write(
        "windows1252_aeoeaa.csv",
        "Køretøj;Lokation;Start;Slut;Km\n"
        "26;Sønderå Ældrecenter;03-03-2026 08:00;03-03-2026 09:00;5\n",
        encoding="cp1252",
    )
    write(
        "excel_serial_dates.csv",
        "Køretøj;Start;Slut;Km\n26;46084,3333333333;46084,375;12\n264;46084,5;46084,4;12\n",
    )
    write(
        "dst_spring_forward.csv",
        "Køretøj;Start;Slut;Km\n26;29.03.2026 01:30:00;29.03.2026 03:30:00;12\n"
        "264;29.03.2026 02:30:00;29.03.2026 04:00:00;12\n",
    )
    write(
        "formula_cell.csv",
        trips(
            '=HYPERLINK("http://evil.example";"26");Hjemmeplejen Nord;'
            "03-03-2026 08:00;03-03-2026 09:00;5;20"
        ),
    )
    write(
        "html_in_text.csv",
        "Vognnummer;Mærke;Model;Type;Drivmiddel\nNY1;<script>alert(1)</script>;Zoe;Elbil;El\n",
    )
    write(
        "huge_row_count.csv",
        HEAD
        + "".join(
            f"26;Hjemmeplejen Nord;{1 + d % 28:02d}-0{1 + d // 28 % 9}-2025 0{d % 8}:00;"
            f"{1 + d % 28:02d}-0{1 + d // 28 % 9}-2025 0{d % 8}:30;5;20\n"
            for d in range(1001)
        ),
    )
    write("vehicle_type_fuel_mismatch.csv", "Vognnummer;Type;Drivmiddel\nNY2;Elbil;Diesel\n")
    write(
        "vehicle_duplicate_fleet_id.csv", "Vognnummer;Type;Drivmiddel\nNY3;Elbil;El\nNY3;Elbil;El\n"
    )
    write("vehicle_unknown_type.csv", "Vognnummer;Type;Drivmiddel\nNY4;Rumskib;El\n")
    write(
        "location_bad_parking_points.csv",
        "Navn;Breddegrad;Længdegrad;Ekstra parkeringspladser\nNy lokation;56,1;9,5;ved kirken\n",
    )
    write(
        "gps_overlapping_drives.csv",
        "Køretøj;Start;Slut;Start breddegrad;Start længdegrad;Slut breddegrad;Slut længdegrad;Km\n"
        "26;03-03-2026 08:00;03-03-2026 09:00;56,1872;9,5491;56,2;9,6;5\n"
        "26;03-03-2026 08:30;03-03-2026 09:30;56,2;9,6;56,1872;9,5491;5\n",
    )
    write(
        "gps_drive_too_long.csv",
        "vehicle,start,end,start_lat,start_lon,end_lat,end_lon,distance_km\n"
        "26,2026-03-03 06:00,2026-03-04 08:00,56.1872,9.5491,56.1872,9.5491,40\n",
    )
    _xlsx_files()


def _xlsx_files() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Noter"
    sheet.append(["Hej", "med", "dig"])
    other = book.create_sheet("Ark2")
    other.append(["Dato", "Beløb"])
    book.save(BAD / "wrong_sheet.xlsx")

    book = Workbook()
    sheet = book.active
    sheet.append(["Køretøj", "Start", "Slut", "Km"])
    sheet.append(["26", "03-03-2026 08:00", "03-03-2026 09:00", "=B2*2"])
    book.save(BAD / "formula_without_value.xlsx")


if __name__ == "__main__":
    main()
