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


def gap_text(gap: float | None) -> str:
    """A relative gap as a percentage: 0.001 -> "0,1 %", 0.0123 -> "1,23 %"."""
    if gap is None:
        return "ukendt"
    return f"{plain_number(round(100.0 * gap, 2), 2)} %"


def is_zero(diff: dict) -> bool:
    """No change worth a word: under half a krone and under 0.05 t CO2e a year."""
    return round(diff["yearly_cost_dkk"]) == 0 and round(diff["co2e_t"], 1) == 0


def change_pair(base: dict, diff: dict) -> str:
    """ "udgifterne falder med 36.830 kr. om året (5,9 %), og udledningen falder med ..."
    for a difference `diff` from the totals `base`."""
    if is_zero(diff):
        return "hverken udgifterne eller udledningen ændrer sig"
    cost, co2 = base["yearly_cost_dkk"], base["co2e_t"]
    return (
        f"udgifterne {money_change(cost, cost + diff['yearly_cost_dkk'])}, og udledningen "
        f"{co2_change(co2, co2 + diff['co2e_t'])}"
    )


def compact_change(diff: dict) -> str:
    """ "36.830 kr. og 1,2 t CO2e mindre om året" (directions said per figure when mixed)."""
    cost, co2 = diff["yearly_cost_dkk"], diff["co2e_t"]
    cost_word = "mindre" if cost < 0 else "mere"
    co2_word = "mindre" if co2 < 0 else "mere"
    if round(cost) == 0:
        return f"{number(abs(co2), 1)} t CO2e {co2_word} om året"
    if round(co2, 1) == 0 or cost_word == co2_word:
        co2_part = f" og {number(abs(co2), 1)} t CO2e" if round(co2, 1) else ""
        return f"{dkk(abs(cost))}{co2_part} {cost_word} om året"
    return f"{dkk(abs(cost))} {cost_word} og {number(abs(co2), 1)} t CO2e {co2_word} om året"


# What it takes to get the planning effect, said once the same way everywhere.
SHARED_BOOKING = (
    "fælles booking af bilerne på tværs af afdelinger, så en ledig bil bruges af den, "
    "der har brug for en"
)


def planning_sentence(facts: ScenarioFacts) -> str:
    """The planning effect on its own, with what it takes to realise it."""
    if is_zero(facts.planning):
        return (
            "Fælles booking af dagens biler på tværs af afdelinger ville ikke ændre udgifterne "
            "eller udledningen mærkbart."
        )
    return (
        "Uafhængigt af flåden kan planlægningen give en gevinst, hvis dagens biler bookes i "
        "fællesskab på tværs af afdelinger, så en ledig bil bruges af den, der har brug for "
        f"en: {change_pair(facts.baseline, facts.planning)}. Det kræver en fælles "
        "bookingpraksis og følger ikke af beslutningen om flåden."
    )


def fleet_effect_sentence(facts: ScenarioFacts) -> str:
    """The fleet decision's own effect: the proposal against today's fleet re-planned."""
    if facts.no_fleet_effect:
        return (
            "Beslutningen om flåden ændrer derfor i sig selv hverken udgifterne eller "
            "udledningen (0 kr. og 0,0 t CO2e om året)."
        )
    return (
        f"Ændringen af flåden betyder i sig selv, at "
        f"{change_pair(facts.replanned, facts.fleet_change)}, sammenlignet med dagens biler "
        "med samme planlægning af turene."
    )


def target_sentence(facts: ScenarioFacts) -> str | None:
    """A CO2e target or budget cap: met or not, and how much of it planning alone gives."""
    target = facts.target
    if not target:
        return None
    if target["kind"] == "co2e":
        limit = f"højst {number(target['limit'], 1)} t CO2e om året"
        if target.get("pct") is not None:
            goal = (
                f"Målet om at sænke udledningen med {plain_number(target['pct'])} % i forhold "
                f"til i dag ({limit})"
            )
        else:
            goal = f"Målet om {limit}"
        verb = "er nået" if target["met"] else "er ikke nået"

        def amount(value: float) -> str:
            return f"{number(value, 1)} t CO2e"
    else:
        goal = f"Budgetloftet på {dkk(target['limit'])} om året"
        verb = "er overholdt" if target["met"] else "er ikke overholdt"

        def amount(value: float) -> str:
            return dkk(value)

    text = f"{goal} {verb}"
    planning, fleet = target.get("from_planning") or 0.0, target.get("from_fleet_change") or 0.0
    if target["met"] and (planning or fleet):
        text += (
            f": {amount(planning)} af reduktionen kommer fra fælles booking og "
            f"{amount(fleet)} fra ændringen af flåden"
        )
    return text + "."


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
    if any(group.bound_ends for group in pool.removed):
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
    if facts.no_fleet_effect:
        points.append(
            "at det noteres, at analysen ikke peger på en ændring af flåden, så beslutningen "
            "om flåden i sig selv hverken ændrer udgifterne eller udledningen"
        )
    else:
        points.append(
            f"at det noteres, at ændringen af flåden i sig selv betyder, at "
            f"{change_pair(facts.replanned, facts.fleet_change)}, sammenlignet med dagens "
            "biler med samme planlægning af turene"
        )
    planning = facts.planning
    if planning["yearly_cost_dkk"] <= -0.5 or planning["co2e_t"] <= -0.05:
        points.append(
            f"at forvaltningen arbejder for {SHARED_BOOKING}; med dagens biler giver det "
            f"{compact_change(planning)}, uafhængigt af beslutningen om flåden"
        )
    unserved = facts.totals["unserved_trips"]
    if unserved:
        still = "fortsat " if facts.baseline.get("unserved_trips") else ""
        points.append(
            f"at de {number(unserved)} ture i perioden, som flåden ikke når, {still}køres i "
            "medarbejdernes egne biler mod kørselsgodtgørelse"
        )
    points.append("at forvaltningen følger op på udgifter og udledning ét år efter omlægningen")
    return "\n".join(points)


def draft_resume(facts: ScenarioFacts) -> str:
    """5-8 lines: what was analysed, the fleet decision's effect in numbers, the planning
    effect on its own, the recommendation."""
    base, new = facts.baseline, facts.totals
    today_counts, new_counts = facts.today_counts, facts.proposal_counts
    lines = [
        f"Forvaltningen har analyseret kørslen med kommunens køretøjer på "
        f"{place(facts.locations)} i perioden {period_text(facts)}: "
        f"{count(facts.trips, 'rundtur', 'rundture')} og {number(facts.km)} km."
    ]
    if facts.fleet_unchanged:
        lines.append(
            f"Forslaget beholder dagens flåde: {count(new['vehicles'], 'køretøj', 'køretøjer')} "
            f"({composition(new_counts)})."
        )
    else:
        lines.append(
            f"De samme ture kan klares med {count(new['vehicles'], 'køretøj', 'køretøjer')} "
            f"i stedet for {number(base['vehicles'])} i dag "
            f"({composition(new_counts)} mod i dag {composition(today_counts)})."
        )
    lines.append(fleet_effect_sentence(facts))
    lines.append(planning_sentence(facts))
    if not is_zero(facts.planning) and not is_zero(facts.fleet_change):
        total = facts.totals
        lines.append(
            f"Med både fælles booking og den nye flåde går udgifterne fra "
            f"{dkk(base['yearly_cost_dkk'])} i dag til {dkk(total['yearly_cost_dkk'])} om året "
            f"og udledningen fra {number(base['co2e_t'], 1)} til "
            f"{number(total['co2e_t'], 1)} t CO2e om året."
        )
    if target := target_sentence(facts):
        lines.append(target)
    unserved = new["unserved_trips"]
    if unserved:
        lines.append(
            f"{count(unserved, 'tur', 'ture')} i perioden "
            f"({percent(facts.share_of_trips_unserved_pct(), 1)} af turene) kan flåden ikke nå; "
            "de køres i egen bil mod kørselsgodtgørelse, og det er regnet med i udgifterne."
        )
    else:
        lines.append("Alle ture i perioden kan køres af flåden.")
    if facts.fleet_unchanged:
        lines.append(
            "Analysen peger ikke på en ændring af flåden. Forvaltningen anbefaler at bruge "
            "analysen som grundlag for dialog med de berørte medarbejdere."
        )
    elif facts.removed_bound:
        lines.append(
            "Forvaltningen anbefaler at gennemføre ændringen trinvis, når leasingaftalerne "
            "udløber, og at bruge analysen som grundlag for dialog med de berørte medarbejdere."
        )
    else:
        lines.append(
            "Ingen leasingaftale binder de køretøjer, der udgår, så ændringen kan begynde med "
            "det samme. Forvaltningen anbefaler at bruge analysen som grundlag for dialog med "
            "de berørte medarbejdere."
            if facts.removed
            else "Forvaltningen anbefaler at gennemføre ændringen og at bruge analysen som "
            "grundlag for dialog med de berørte medarbejdere."
        )
    return " ".join(lines)


def alternatives_conclusion(rows) -> str:
    """The conclusion before the table of alternatives."""
    recommended = next(r for r in rows if r.kind == "recommended")
    as_driven = next((r for r in rows if r.basis == "as_driven"), None)
    replanned = next((r for r in rows if r.basis == "replanned"), None)
    ambitious = next((r for r in rows if r.most_ambitious and r is not recommended), None)
    text = (
        f"Anbefalingen ({recommended.label.removeprefix('Anbefalet: ')}) koster "
        f"{dkk(recommended.totals['yearly_cost_dkk'])} om året og udleder "
        f"{number(recommended.totals['co2e_t'], 1)} t CO2e om året."
    )
    if replanned:
        text += (
            f" Dagens flåde med samme planlægning af turene koster "
            f"{dkk(replanned.totals['yearly_cost_dkk'])} og udleder "
            f"{number(replanned.totals['co2e_t'], 1)} t CO2e om året"
        )
        if as_driven:
            text += (
                f"; som den køres i dag, koster den {dkk(as_driven.totals['yearly_cost_dkk'])} "
                f"og udleder {number(as_driven.totals['co2e_t'], 1)} t CO2e om året"
            )
        text += "."
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
