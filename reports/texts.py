"""Danish sentences for the decision report, drafted from the real figures.

The planner edits the Resumé and the Indstilling before the PDF is made; the drafts must
already be correct Danish a head of department can sign: conclusion first, the
municipality's own numbers, no jargon, singular and plural right.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.formatting import date_long, dkk, number, percent
from reports.facts import CAR_KINDS, KIND_NAMES, PoolFacts, ScenarioFacts


def plain_number(value: float | int | None, max_decimals: int = 3) -> str:
    """A parameter as typed: 2.52 -> "2,52", 1500.0 -> "1.500", 0.001 -> "0,001"."""
    if value is None:
        return "–"
    for decimals in range(max_decimals + 1):
        if abs(round(value, decimals) - value) < 1e-9:
            return number(value, decimals)
    return number(value, max_decimals)


def join(items: Sequence[str], word: str = "og") -> str:
    """["a", "b", "c"] -> "a, b og c"."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def count(n: int, singular: str, plural: str) -> str:
    return f"{number(n)} {singular if n == 1 else plural}"


def kind_count(n: int, kind: str) -> str:
    singular, plural = KIND_NAMES[kind]
    return count(n, singular, plural)


def composition(counts: dict[str, int]) -> str:
    """{"ev": 4, "petrol": 2, "bike": 1} -> "4 elbiler, 2 benzinbiler og 1 cykel"."""
    return join([kind_count(counts[k], k) for k in KIND_NAMES if counts.get(k)]) or "ingen"


def place(locations: Sequence[str]) -> str:
    """How a pool is named in a sentence: "lokationen Rådhuset" or "lokationerne A og B"."""
    if len(locations) == 1:
        return f"lokationen {locations[0]}"
    return f"lokationerne {join(list(locations))}"


def period_text(facts: ScenarioFacts) -> str:
    s = facts.scenario
    return f"{date_long(s.period_start)} – {date_long(s.period_end)}"


def money_change(today: float, proposal: float) -> str:
    """ "falder med 36.830 kr. om året (5,9 %)" or "stiger med ..."."""
    diff = proposal - today
    if round(diff) == 0:
        return "er uændrede"
    pct = abs(100.0 * diff / today) if today else None
    pct_text = f" ({percent(pct, 1)})" if pct is not None else ""
    verb = "falder" if diff < 0 else "stiger"
    return f"{verb} med {dkk(abs(diff))} om året{pct_text}"


def co2_change(today: float, proposal: float) -> str:
    diff = proposal - today
    if round(diff, 1) == 0:
        return "er stort set uændret"
    pct = abs(100.0 * diff / today) if today else None
    pct_text = f" ({percent(pct, 0)})" if pct is not None else ""
    verb = "falder" if diff < 0 else "stiger"
    return f"{verb} med {number(abs(diff), 1)} t CO2e om året{pct_text}"


def fleet_sentence(pool: PoolFacts) -> str:
    """The core at-point: "flåden på lokationen X reduceres fra 9 til 6 biler, heraf 4 elbiler"."""
    where = place(pool.locations)
    subject = f"flåden på {where}" if len(pool.locations) == 1 else f"den fælles flåde på {where}"
    today, new = pool.cars_today, pool.cars_proposal
    evs = pool.proposal.get("ev", 0)
    if new < today:
        text = f"{subject} reduceres fra {number(today)} til {count(new, 'bil', 'biler')}"
    elif new > today:
        text = f"{subject} udvides fra {number(today)} til {count(new, 'bil', 'biler')}"
    else:
        text = f"{subject} fortsat har {count(new, 'bil', 'biler')}"
    if evs and new:
        if evs == new:
            text += ", som er en elbil" if new == 1 else ", alle elbiler"
        else:
            text += f", heraf {kind_count(evs, 'ev')}"
    if pool.removed and any(end for group in pool.removed for end in group.lease_ends):
        text += ", ved de kommende leasingudløb"
    return text


def bikes_sentence(pool: PoolFacts) -> str | None:
    today, new = pool.bikes_today, pool.bikes_proposal
    if today == new:
        return None
    counts = {k: pool.proposal.get(k, 0) for k in ("ebike", "bike")}
    if new == 0:
        return f"cyklerne på {place(pool.locations)} udgår ({count(today, 'cykel', 'cykler')})"
    return (
        f"antallet af cykler og elcykler på {place(pool.locations)} ændres fra "
        f"{number(today)} til {number(new)} ({composition(counts)})"
    )


def draft_indstilling(facts: ScenarioFacts) -> str:
    """Numbered "at"-points, one per line (the planner edits them in a text field)."""
    points = [f"at analysen af kørslen på {place(facts.locations)} tages til efterretning"]
    for pool in facts.pools:
        changed_cars = pool.cars_today != pool.cars_proposal or any(
            pool.today.get(k, 0) != pool.proposal.get(k, 0) for k in CAR_KINDS
        )
        if changed_cars:
            points.append(f"at {fleet_sentence(pool)}")
        if bikes := bikes_sentence(pool):
            points.append(f"at {bikes}")
    unserved = facts.totals["unserved_trips"]
    if unserved:
        points.append(
            f"at de {number(unserved)} ture i perioden, som flåden ikke når, fortsat køres i "
            "medarbejdernes egne biler mod kørselsgodtgørelse"
        )
    points.append("at forvaltningen følger op på udgifter og udledning ét år efter omlægningen")
    return "\n".join(points)


def draft_resume(facts: ScenarioFacts) -> str:
    """5-8 lines: what was analysed, the result in numbers, the recommendation."""
    base, new = facts.baseline, facts.totals
    today_counts, new_counts = facts.today_counts, facts.proposal_counts
    lines = [
        f"Forvaltningen har analyseret kørslen med kommunens køretøjer på "
        f"{place(facts.locations)} i perioden {period_text(facts)}: "
        f"{count(facts.trips, 'rundtur', 'rundture')} og {number(facts.km)} km.",
        f"De samme ture kan klares med {count(new['vehicles'], 'køretøj', 'køretøjer')} "
        f"i stedet for {number(base['vehicles'])} i dag "
        f"({composition(new_counts)} mod i dag {composition(today_counts)}).",
        f"Udledningen {co2_change(base['co2e_t'], new['co2e_t'])}, "
        f"og udgifterne {money_change(base['yearly_cost_dkk'], new['yearly_cost_dkk'])}, "
        f"fra {dkk(base['yearly_cost_dkk'])} i dag "
        f"til {dkk(new['yearly_cost_dkk'])} med forslaget.",
    ]
    unserved = new["unserved_trips"]
    if unserved:
        lines.append(
            f"{count(unserved, 'tur', 'ture')} i perioden "
            f"({percent(facts.share_of_trips_unserved_pct(), 1)} af turene) kan flåden ikke nå; "
            "de køres i egen bil mod kørselsgodtgørelse, og det er regnet med i udgifterne."
        )
    else:
        lines.append("Alle ture i perioden kan køres af flåden.")
    lines.append(
        "Forvaltningen anbefaler at gennemføre ændringen trinvis, når leasingaftalerne "
        "udløber, og at bruge analysen som grundlag for dialog med de berørte medarbejdere."
    )
    return " ".join(lines)


def alternatives_conclusion(rows) -> str:
    """The conclusion before the table of alternatives."""
    recommended = next(r for r in rows if r.kind == "recommended")
    baseline = next((r for r in rows if r.kind == "baseline"), None)
    ambitious = next((r for r in rows if r.most_ambitious and r is not recommended), None)
    text = (
        f"Anbefalingen ({recommended.label.removeprefix('Anbefalet: ')}) koster "
        f"{dkk(recommended.totals['yearly_cost_dkk'])} om året og udleder "
        f"{number(recommended.totals['co2e_t'], 1)} t CO2e om året."
    )
    if baseline:
        text += (
            f" At fortsætte som i dag koster {dkk(baseline.totals['yearly_cost_dkk'])} og "
            f"udleder {number(baseline.totals['co2e_t'], 1)} t CO2e om året."
        )
    if ambitious:
        extra = ambitious.totals["yearly_cost_dkk"] - recommended.totals["yearly_cost_dkk"]
        cost = (
            f"koster {dkk(abs(extra))} mere om året"
            if extra > 0
            else f"koster {dkk(abs(extra))} mindre om året"
        )
        text += (
            f" Det mest ambitiøse alternativ ({ambitious.label}) udleder "
            f"{number(ambitious.totals['co2e_t'], 1)} t CO2e om året og {cost} end anbefalingen."
        )
    return text
