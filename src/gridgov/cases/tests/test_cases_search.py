"""The keyword index of case titles and addresses: grams, the index job and its mark, and that a
list found through the index is exactly the list found by testing every case."""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse

from gridgov.cases import search, selectors
from gridgov.cases.models import Case, SearchMark
from gridgov.cases.tests import core_builders
from gridgov.cases.tests.core_builders import make_case

people = core_builders.people  # the fixture


@pytest.fixture
def seeded(transactional_db):
    """Transactional tests flush the database after each test, the seeded categories too: seed
    again (the seed skips existing codes). The flush leaves the keyword index (a table outside
    the ORM) as it was: empty it, so no earlier test's entries count here."""
    import importlib

    from django.apps import apps

    importlib.import_module("gridgov.cases.migrations.0002_seed_categories").seed(apps, None)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # a contentless FTS5 table: its own command
            cursor.execute(
                f'INSERT INTO "{search.TABLE}"("{search.TABLE}") VALUES (\'delete-all\')'
            )
        else:
            cursor.execute(f'DELETE FROM "{search.TABLE}"')


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def listed(actor, q: str, **filters) -> set[int]:
    """The cases listed for keyword ``q``; the list's count filter finds the same cases."""
    found = selectors.case_list_counted_for(actor=actor, q=q, **filters)
    assert ids(found.counted) == ids(found.cases), q
    return ids(found.cases)


def test_grams_are_character_pairs_and_the_last_character():
    assert search.grams("井盖缺失") == ["井盖", "盖缺", "缺失", "失"]
    assert search.grams("井") == ["井"]
    assert search.grams("") == []
    assert search.grams("3号楼A") == ["3号", "号楼", "楼a", "a"]
    # Latin letters are lower-cased; other characters become private-use characters the
    # SQLite tokenizer keeps inside a word, so nothing splits a gram.
    pair = search.grams("A-")[0]
    assert pair[0] == "a" and 0xF0000 <= ord(pair[1]) <= 0xFFFFD
    assert all(len(g) in (1, 2) for g in search.grams("（幸福路）12号 Room 3—1，🙂"))


def test_a_keyword_is_a_phrase_of_pairs_or_a_one_character_prefix():
    assert search.match_expression("井盖", "sqlite") == '"井盖"'
    assert search.match_expression("井盖缺", "sqlite") == '"井盖 盖缺"'
    assert search.match_expression("井", "sqlite") == '"井" *'
    assert search.match_expression("井盖缺", "postgresql") == "'井盖' <-> '盖缺'"
    assert search.match_expression("井", "postgresql") == "'井':*"


def test_index_table_exists():
    assert search.available()


def test_new_cases_are_found_before_and_after_indexing(tree, people):
    a = make_case(tree.grid1, title="小区井盖缺失")
    make_case(tree.grid1, title="路灯不亮")
    assert search.index_matches("井盖") == []
    # Not indexed yet: found by testing the cases above the mark.
    assert listed(people.dispatcher, "井盖") == {a.pk}
    assert search.index_pending() == 2
    mark = SearchMark.objects.get(name=search.MARK)
    assert mark.indexed_to == Case.objects.order_by("-pk").first().pk
    if connection.vendor == "sqlite":
        assert mark.complete_to == mark.indexed_to
    assert search.index_matches("井盖") == [a.pk]
    assert listed(people.dispatcher, "井盖") == {a.pk}
    assert search.index_pending() == 0  # nothing new


def test_address_one_character_and_no_match(tree, people):
    a = make_case(tree.grid1, title="噪音扰民", address="幸福小区3号楼")
    b = make_case(tree.grid1, title="楼道堆物", address="")
    search.index_pending()
    assert listed(people.dispatcher, "幸福") == {a.pk}
    assert listed(people.dispatcher, "3号楼") == {a.pk}
    assert listed(people.dispatcher, "楼") == {a.pk, b.pk}
    assert listed(people.dispatcher, "地震") == set()
    # A keyword does not span the title and the address (as the direct test does not).
    assert listed(people.dispatcher, "民幸") == set()


def test_latin_letters_match_in_any_case(tree, people):
    a = make_case(tree.grid1, title="ATM机故障", address="b座")
    search.index_pending()
    assert listed(people.dispatcher, "atm") == {a.pk}
    assert listed(people.dispatcher, "B座") == {a.pk}


def test_a_keyword_without_letters_of_a_case_is_matched_as_it_is(tree, people, monkeypatch):
    """井盖 or 3号楼 has no upper or lower case: the text is tested without folding its case
    (no UPPER() of every title on PostgreSQL); a keyword with a letter still folds."""
    assert search.caseless("井盖") and search.caseless("3号楼（东）-2")
    assert not search.caseless("B座") and not search.caseless("ß") and not search.caseless("é")
    assert search.text_q("井盖").children == [
        ("title__contains", "井盖"),
        ("address__contains", "井盖"),
    ]
    assert search.text_q("b座").children == [
        ("title__icontains", "b座"),
        ("address__icontains", "b座"),
    ]
    if connection.vendor == "postgresql":
        assert "UPPER" not in str(Case.objects.filter(search.text_q("井盖")).query)
    a = make_case(tree.grid1, title="井盖缺失", address="3号楼")
    b = make_case(tree.grid1, title="Ab井盖", address="")
    make_case(tree.grid1, title="路灯", address="3号")
    monkeypatch.setattr(selectors, "SMALL_JURISDICTION", 0)  # walking, as a common word
    for indexed in (False, True):
        if indexed:
            search.index_pending()
        assert listed(people.dispatcher, "井盖") == {a.pk, b.pk}
        assert listed(people.dispatcher, "3号楼") == {a.pk}
        assert listed(people.dispatcher, "AB井") == {b.pk}
        assert listed(people.worker, "井盖") == {a.pk, b.pk}


def test_the_index_never_widens_the_jurisdiction(tree, people):
    make_case(tree.grid3, title="危房倒塌隐患")  # another town
    search.index_pending()
    assert search.index_matches("危房") != []
    assert listed(people.dispatcher, "危房") == set()
    assert len(listed(people.county, "危房")) == 1


@pytest.mark.django_db(transaction=True)  # PostgreSQL: the mark settles between two runs
def test_rare_middling_and_common_words(seeded, tree, people, monkeypatch):
    """Up to CANDIDATES index matches go to the list as ids, up to COMMON as a subquery, more
    are a common word (the text test alone, through the path index in a small
    jurisdiction): the same cases every way."""
    monkeypatch.setattr(search, "CANDIDATES", 2)
    monkeypatch.setattr(search, "COMMON", 4)
    for n, word in ((1, "积水"), (3, "占道"), (5, "噪音")):
        made = {make_case(tree.grid1, title=f"{word}{i}").pk for i in range(n)}
        make_case(tree.grid3, title=word)  # another town: never listed for the dispatcher
        search.index_pending()
        search.index_pending()
        made.add(make_case(tree.grid1, title=f"新{word}").pk)  # above the mark
        common = search.keyword_q(word).common
        assert common is (n == 5)  # n + 1 indexed matches
        assert listed(people.dispatcher, word) == made
        assert listed(people.worker, word) == made  # a grid worker's small jurisdiction
        assert len(listed(people.county, word)) == len(made) + 1
        # The county's leader narrowed to one grid: a small subtree too.
        in_grid = selectors.case_list_for(actor=people.county, q=word, area=tree.grid1)
        assert ids(in_grid) == made


def test_the_walk_bound_is_where_walking_reaches_the_cap_sooner():
    """√(COUNT_CAP × cases / PROPOSAL_COST): at a million cases 3 % of them on PostgreSQL."""
    assert search.walk_bound(1_000_000, "postgresql") == 31_622
    assert search.walk_bound(1_000_000, "sqlite") == 57_735
    assert search.walk_bound(0, "sqlite") == search.walk_bound(1, "sqlite") == 57
    # Walking past that many matches' share of the cases to the cap costs no more than
    # reading them: cases / N × COUNT_CAP ≈ N × PROPOSAL_COST.
    n = search.walk_bound(1_000_000, "postgresql")
    walked = 1_000_000 / n * search.COUNT_CAP
    assert abs(walked - n * search.PROPOSAL_COST["postgresql"]) / walked < 0.001


@pytest.mark.django_db(transaction=True)  # PostgreSQL: the mark settles between two runs
def test_a_common_word_is_counted_through_the_index(seeded, tree, people, monkeypatch):
    """A common word's page walks the cases, but its count reads the index's proposals (and
    the cases above the mark), tested like the page — unless the index proposes more than the
    walk bound (walking then finds the cap sooner) or is far behind."""
    monkeypatch.setattr(search, "CANDIDATES", 2)
    monkeypatch.setattr(search, "COMMON", 3)
    monkeypatch.setattr(selectors, "SMALL_JURISDICTION", 0)  # every jurisdiction is big
    made = {make_case(tree.grid1, title=f"路灯不亮{i}").pk for i in range(4)}
    made.add(make_case(tree.grid2, title="其他", address="路灯旁").pk)
    make_case(tree.grid3, title="路灯")  # another town
    make_case(tree.grid1, title="路口灯")  # the grams, not the phrase
    search.index_pending()
    search.index_pending()
    made.add(make_case(tree.grid1, title="新路灯").pk)  # above the mark
    keyword = search.keyword_q("路灯")
    assert keyword.common and search.counted_q(keyword) is not None
    assert listed(people.dispatcher, "路灯") == made
    assert listed(people.dispatcher, "路灯", status=["reported"]) == made
    assert listed(people.dispatcher, "路灯", status=["closed"]) == set()
    assert len(listed(people.county, "路灯")) == len(made) + 1
    found = selectors.case_list_counted_for(actor=people.dispatcher, q="路灯")
    assert str(found.counted.query) != str(found.cases.query)
    # The page alone (the API's rows, the portrait's recent cases) builds no count filter.
    page = selectors.case_list_counted_for(actor=people.dispatcher, q="路灯", counted=False)
    assert str(page.counted.query) == str(found.cases.query)
    # A word the index proposes for more than the walk bound is counted by walking (the bound
    # here: 6 of the 6 indexed matches, then 10).
    monkeypatch.setattr(search, "walk_bound", lambda cases, vendor: 6)
    assert search.counted_q(search.keyword_q("路灯")) is not None
    for i in range(3):
        make_case(tree.grid1, title=f"路灯{i}")
    search.index_pending()
    search.index_pending()
    assert search.counted_q(search.keyword_q("路灯")) is None
    assert len(listed(people.dispatcher, "路灯")) == len(made) + 3
    # An index far behind (the mark reset, as before the first run) proposes no count.
    monkeypatch.setattr(search, "walk_bound", lambda cases, vendor: 100)
    assert search.counted_q(search.keyword_q("路灯")) is not None
    SearchMark.objects.filter(name=search.MARK).update(complete_to=0)
    assert search.counted_q(search.keyword_q("路灯")) is None
    assert len(listed(people.dispatcher, "路灯")) == len(made) + 3
    # A word that is not common has no count filter of its own.
    assert search.counted_q(search.keyword_q("路口")) is None


@pytest.mark.django_db(transaction=True)
def test_the_list_page_counts_a_common_word_through_the_index(
    seeded, tree, people, client, monkeypatch
):
    """The list page's count for a common word, and the API list's: every match, the ones
    above the mark too."""
    monkeypatch.setattr(search, "CANDIDATES", 1)
    monkeypatch.setattr(search, "COMMON", 2)
    monkeypatch.setattr(selectors, "SMALL_JURISDICTION", 0)
    for i in range(4):
        make_case(tree.grid1, title=f"垃圾满溢{i}")
    make_case(tree.grid1, title="垃圾站")
    search.index_pending()
    search.index_pending()
    make_case(tree.grid1, title="新垃圾")
    assert search.counted_q(search.keyword_q("垃圾")) is not None
    client.force_login(people.dispatcher)
    response = client.get(reverse("cases:list"), {"q": "垃圾"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 6
    assert len(response.context["rows"]) == 6
    body = client.get("/api/v1/cases/", {"q": "垃圾", "page_size": 4}).json()
    assert (body["count"], body["pages"], body["capped"]) == (6, 2, False)
    assert len(body["items"]) == 4


def test_a_stale_entry_shows_nothing(tree, people):
    """An index entry whose case is gone (or whose id now belongs to another case) is tested
    again against the case's own text."""
    a = make_case(tree.grid1, title="违章停车")
    search.index_pending()
    Case.objects.filter(pk=a.pk).update(title="路面破损")
    assert search.index_matches("违章") == [a.pk]
    assert listed(people.dispatcher, "违章") == set()


@pytest.mark.parametrize(
    "candidates,common,small", [(5000, 30000, 50_000), (3, 8, 50_000), (0, 0, 0)]
)
def test_index_and_direct_test_agree_on_random_text(
    tree, people, monkeypatch, candidates, common, small
):
    """For random titles and addresses over a small alphabet (Chinese, Latin, digits,
    punctuation, spaces), the list through the index equals the list of cases whose text
    contains the keyword, for random keywords of one to four characters, whichever way the
    word is found (ids, subquery, or as a common word, in a small jurisdiction or walking and
    counted through the index), and so does the list's count."""
    monkeypatch.setattr(search, "CANDIDATES", candidates)
    monkeypatch.setattr(search, "COMMON", common)
    monkeypatch.setattr(selectors, "SMALL_JURISDICTION", small)
    rnd = random.Random(5)
    alphabet = "井盖缺失路灯aB3 -，（楼"
    cases = []
    for _i in range(120):
        title = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(1, 12))).strip() or "井"
        address = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 6)))
        cases.append(make_case(tree.grid1, title=title, address=address))
    # Half indexed, half above the mark.
    search.index_pending()
    for i in range(40):
        cases.append(make_case(tree.grid1, title=f"{alphabet[i % 8]}楼{i}", address="B3"))
    for _k in range(150):
        q = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(1, 5))).strip()
        if not q:
            continue
        expected = {
            c.pk for c in cases if q.lower() in c.title.lower() or q.lower() in c.address.lower()
        }
        assert listed(people.dispatcher, q) == expected, q
        assert listed(people.worker, q) == expected, q


def test_index_command(tree, capsys):
    from django.core.management import call_command

    make_case(tree.grid1, title="管道漏水")
    call_command("index_cases")
    assert "1" in capsys.readouterr().out
    assert len(search.index_matches("漏水")) == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_postgresql_a_case_committed_late_is_indexed_and_found(seeded, tree, people):
    """A report whose transaction started before a newer case was indexed commits afterwards:
    it is found meanwhile (above the mark), indexed by the run that sees its transaction
    ended, and the mark then passes it."""
    inserted, release = threading.Event(), threading.Event()
    late: dict[str, int] = {}

    def slow_report() -> None:
        try:
            with transaction.atomic():
                late["pk"] = make_case(tree.grid1, title="深夜施工噪音").pk
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=slow_report)
    worker.start()
    assert inserted.wait(10)
    newer = make_case(tree.grid1, title="广场舞噪音")
    assert newer.pk > late["pk"]
    search.index_pending()
    mark = SearchMark.objects.get(name=search.MARK)
    assert mark.indexed_to == newer.pk and mark.complete_to < late["pk"]
    release.set()
    worker.join(10)
    assert listed(people.dispatcher, "施工") == {late["pk"]}  # above the mark
    search.index_pending()
    mark.refresh_from_db()
    assert mark.complete_to >= newer.pk
    assert search.index_matches("施工") == [late["pk"]]
    assert listed(people.dispatcher, "噪音") == {late["pk"], newer.pk}


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_postgresql_the_mark_passes_a_many_batch_run_at_the_next_run(seeded, tree):
    made = [make_case(tree.grid1, title=f"夜市噪音{i}") for i in range(7)]
    assert search.index_pending(batch=2) == 7
    mark = SearchMark.objects.get(name=search.MARK)
    assert mark.indexed_to == made[-1].pk and mark.settle_top == made[-1].pk
    assert search.index_pending(batch=2) == 0
    mark.refresh_from_db()
    assert mark.complete_to == made[-1].pk
