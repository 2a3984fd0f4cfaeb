"""考试年度's listing (the admin's page): the records of every year by confirmation status in one statement, the
same as `status_counts` year by year, whose statement is built once and bound to each year in a row."""

from __future__ import annotations

import pytest

from db.engine import session_scope
from portal.core.errors import NotFound
from portal.declaration import exam_year
from tests import factories
from tests.app.helpers import assert_no_exception, login, new_app
from tests.progress.helpers import declaration
from tests.progress.helpers import exam_year as open_year


def _two_years(session):
    """2025: one confirmed record and one not entered; 2026: one pending, one confirmed; 2027: no records."""
    unit = factories.unit(session)
    years = {year: open_year(session, year) for year in (2025, 2026, 2027)}
    for year, status in ((2025, "confirmed"), (2025, "not_entered"), (2026, "pending"), (2026, "confirmed")):
        declaration(session, years[year], factories.verified_candidate(session), unit, status)
    return years


def test_every_years_counts_in_one_statement_match_each_years_own(session):
    _two_years(session)
    by_year = exam_year.status_counts_by_year(session)
    assert by_year == {2025: {"confirmed": 1, "not_entered": 1}, 2026: {"pending": 1, "confirmed": 1}}
    for year in (2026, 2025, 2027, 2026):  # the one statement of `status_counts`, bound to each year in turn
        assert exam_year.status_counts(session, year=year) == by_year.get(year, {})
    with pytest.raises(NotFound):
        exam_year.status_counts(session, year=2024)


def test_the_page_lists_each_year_with_its_own_counts(engine):
    with session_scope(engine) as session:
        _two_years(session)
        admin = factories.user(session, "admin")
    app = login(new_app(), admin.username, factories.PASSWORD)
    app.switch_page("pages/admin/exam_years.py")
    app.run()
    assert_no_exception(app)
    frame = app.dataframe[0].value
    assert frame["年度"].tolist() == ["2027年度医师资格", "2026年度医师资格", "2025年度医师资格"]
    assert frame["已填报"].tolist() == [0, 2, 1]
    assert frame["已确认"].tolist() == [0, 1, 1]
