"""Every service against every role: what a role may not do is refused by the service itself.

The expected roles below are written from the product rules (who does what in the season), not read off the
code. A disabled account is refused everywhere. Object-level rules (another candidate's data, another unit's
candidates) are tested in each domain's tests and in the cross-tenant cases at the end of this file.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date, timedelta

import pytest

import portal
from db.models import ExamYear, OidcIdentity
from portal.access import service as access
from portal.auth import oidc
from portal.auth import service as auth
from portal.core.actor import Actor
from portal.core.errors import NotFound, PermissionDenied
from portal.declaration import confirmation, entry, exam_year, importer, prefill
from portal.identity import appeal as appeals
from portal.identity import capture, review, workers
from portal.identity import service as identity
from portal.message import service as messages
from portal.ops import audit_log
from portal.profile import service as profile
from portal.progress import bindings as progress_bindings
from portal.progress import common as progress_common
from portal.progress import reminders, unconfirmed
from portal.stats import service as stats
from portal.stats import snapshot
from portal.unit import binding as bindings
from portal.unit import confirmation_code, roster
from portal.unit import importer as unit_importer
from portal.unit import registration as registrations
from tests import factories

C, U, R, A, ADM = "candidate", "unit_admin", "reviewer", "analyst", "admin"
EVERYONE = {C, U, R, A, ADM}
GENERIC_REFUSAL = PermissionDenied().message
# Reaching into someone else's data is refused, or answered as if it did not exist.
REFUSED = (PermissionDenied, NotFound)

MATRIX = [
    # identity: the candidate's own flow; reviewers decide
    (identity.fill_in, {C}),
    (identity.my_verification, {C}),
    (identity.submit_scan, {C}),
    (identity.switch_to_manual, {C}),
    (identity.submit_manual, {C}),
    (capture.issue_token, {C}),
    (capture.consume_token, {C}),
    (capture.choose_manual_review, {C}),
    (identity.withdraw, {C}),
    (identity.withdrawn_details, {C}),
    (identity.preview_scan, {C}),
    (identity.reserve_scan, {C}),
    (identity.image, {C, R}),
    (review.verification_queue, {R}),
    (review.queue_summary, {R}),
    (review.claim, {R}),
    (review.release, {R}),
    (review.release_all, {R}),
    (review.claim_until, {R}),
    (review.auto_check, {R}),
    (review.open_case, {R}),
    (review.approve, {R}),
    (review.reject, {R}),
    (review.open_flags, {R}),
    (review.resolve_flag, {R}),
    # 证件号已被占用申诉: the candidate appeals, reviewers decide (transfer or reject)
    (appeals.appeal_offered, {C}),
    (appeals.my_appeal, {C}),
    (appeals.submit_appeal, {C}),
    (appeals.open_appeals, {R}),
    (appeals.claim_appeal, {R}),
    (appeals.release_appeal, {R}),
    (appeals.open_appeal, {R}),
    (appeals.reject_appeal, {R}),
    (appeals.transfer, {R}),
    (bindings.end_for_revoked_identity, {R}),
    # accounts: admins manage, everyone changes their own password
    (auth.create_user, {ADM}),
    (auth.list_users, {ADM}),
    (auth.reset_password, {ADM}),
    (auth.set_active, {ADM}),
    (auth.unlock, {ADM}),
    (auth.change_password, EVERYONE),
    (auth.end_session, EVERYONE),  # logout revokes one's own re-login cookies
    (audit_log.search_page, {ADM}),
    (audit_log.actions, {ADM}),
    # 个人中心
    (profile.personal_info, {C}),
    (profile.change_password, EVERYONE),  # everyone changes their own password
    (profile.update_email, {C}),
    (profile.change_mobile, {C}),
    (profile.addresses, {C}),
    (profile.add_address, {C}),
    (profile.update_address, {C}),
    (profile.set_default, {C}),
    (profile.delete_address, {C}),
    (access.access_log, {C}),
    (access.log_and_unread, {C}),
    (access.authorizations, {C}),
    (access.mark_read, {C}),
    (access.unread_count, {C}),
    # work units
    (roster.search_units, {C, U, R, ADM}),
    (bindings.bind, {C}),
    (bindings.change_unit, {C}),
    (bindings.unbind, {C}),
    (bindings.my_binding, {C}),
    (bindings.history, {C}),
    (bindings.binding_status, {C}),
    (roster.own_unit, {U}),
    (roster.overview, {U}),
    (confirmation_code.rotate_code, {U, ADM}),
    (bindings.bound_candidates, {U, R, ADM}),
    (bindings.candidate_detail, {U}),
    (bindings.end_binding, {U}),
    (roster.update_unit, {U}),
    (registrations.pending_registrations, {R, ADM}),
    (registrations.approve_registration, {R, ADM}),
    (registrations.reject_registration, {R, ADM}),
    (roster.pending_name_changes, {R, ADM}),
    (roster.decide_name_change, {R, ADM}),
    (roster.set_status, {R, ADM}),
    (confirmation_code.units_with_failed_attempts, {R, ADM}),
    # declarations: units enter, candidates confirm, admins open exam years
    (exam_year.exam_years, EVERYONE),
    (exam_year.open_exam_year, {ADM}),
    (exam_year.update_exam_year, {ADM}),
    (entry.save_section, {U}),
    (entry.unit_record, {U}),
    (entry.unit_candidates, {U}),
    (entry.record_export, {U}),
    (confirmation.my_record, {C}),
    (confirmation.confirm, {C}),
    (confirmation.request_correction, {C}),
    (confirmation.upload_image, {C}),
    (confirmation.image_bytes, {C, U}),
    (importer.import_declarations, {U}),
    (prefill.unit_template, {U}),  # the system (command line) may too; not an actor of the matrix
    # messages: everyone has an inbox
    (messages.inbox, EVERYONE),
    (messages.unread_count, EVERYONE),
    (messages.mark_read, EVERYONE),
    (messages.mark_all_read, EVERYONE),
    # 统一身份认证: everyone sees their own links; admins link and unlink other accounts
    (oidc.links_of, EVERYONE),
    (oidc.unlink, {ADM}),  # the link of another account (the world's candidate)
    (oidc.admin_link, {ADM}),
    (workers.scan_request, {C}),
    (unit_importer.import_units, {ADM}),
    # analyst statistics (统计分析): aggregates for analysts and admins; the snapshot behind them is also
    # rebuilt and dated for the reviewers' season dashboards
    (stats.refresh_statistics, {A, ADM}),
    (stats.funnel, {A, ADM}),
    (stats.daily_trend, {A, ADM}),
    (stats.verdict_distribution, {A, ADM}),
    (snapshot.info, {R, A, ADM}),
    (snapshot.current, {R, A, ADM}),
    (snapshot.refresh, {R, A, ADM}),
    # reviewer season dashboards (the former portal.dashboard): reviewers only
    (progress_bindings.unit_binding_status, {R}),
    (progress_bindings.binding_totals, {R}),
    (progress_common.refresh_now, {R}),
    # only when the shared snapshot was built, which 统计分析 shows analysts and admins too
    (progress_common.snapshot_time, {R, A, ADM}),
    (reminders.remind_candidates, {R}),
    (reminders.remind_units, {R}),
    (unconfirmed.unconfirmed_by_unit, {R}),
    (unconfirmed.unconfirmed_by_city, {R}),
    (unconfirmed.verdict_counts, {R}),
    (unconfirmed.unconfirmed_candidates, {R}),
    (unconfirmed.export_open_records, {R}),
]


def _arguments(function, world) -> dict:
    values = {
        "user_id": world["candidate_id"],
        "candidate_id": world["candidate_id"],
        "verification_id": world["verification_id"],
        "unit_id": world["unit_id"],
        "binding_id": world["binding_id"],
        "year": 2026,
        "today": date(2026, 11, 26),
        "data": {},
        "section": "education",
        "side": "front",
        "slot": "education",
        "fields": ["education.school"],
        "candidate_ids": [world["candidate_id"]],
        "unit_ids": [world["unit_id"]],
        "identity_id": world["oidc_identity_id"],
        "active": False,
        "approve": True,
        "role": "reviewer",
        "document_type": "resident_id",
    }
    kwargs = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name in ("session", "actor") or parameter.default is not inspect.Parameter.empty:
            continue
        if name in values:
            kwargs[name] = values[name]
        elif name.endswith("_id"):
            kwargs[name] = 1
        elif name.endswith("_on"):
            kwargs[name] = date(2026, 12, 1)
        elif name in ("image", "front", "back", "holding"):
            kwargs[name] = b"not an image"
        else:
            kwargs[name] = "x1"
    return kwargs


@pytest.fixture
def world(session):
    home = factories.unit(session)
    candidate = factories.verified_candidate(session)
    binding = factories.bind(session, candidate, home)
    actors = {role: factories.actor(session, role, unit=home if role == U else None) for role in EVERYONE}
    disabled = {}
    for role in EVERYONE:
        user = factories.user(session, role, unit=home if role == U else None)
        user.is_active = False
        disabled[role] = Actor.of(user)
    # An open season: the allowed calls of the dashboards and statistics run through (not 尚未设置考试年度)
    today = date.today()
    session.add(
        ExamYear(
            year=2026,
            name="2026年度医师资格",
            entry_opens_on=today - timedelta(days=30),
            entry_closes_on=today + timedelta(days=30),
            confirmation_opens_on=today - timedelta(days=30),
            confirmation_closes_on=today + timedelta(days=30),
            cutoff_on=date(2026, 8, 31),
        )
    )
    link = OidcIdentity(issuer="https://ids.example.gov.cn/oidc", subject="sub-candidate", user_id=candidate.id)
    session.add(link)
    session.flush()
    return {
        "oidc_identity_id": link.id,
        "actors": actors,
        "disabled": disabled,
        "candidate_id": candidate.id,
        "verification_id": identity.current(session, user_id=candidate.id).id,
        "unit_id": home.id,
        "binding_id": binding.id,
    }


def _call(session, function, actor, world):
    savepoint = session.begin_nested()
    try:
        function(session, actor=actor, **_arguments(function, world))
        return None
    except Exception as error:  # noqa: BLE001 - the kind of refusal is what is checked
        return error
    finally:
        if savepoint.is_active:
            savepoint.rollback()


@pytest.mark.parametrize(
    "function, allowed", MATRIX, ids=[f"{f.__module__.split('.')[1]}.{f.__name__}" for f, _ in MATRIX]
)
def test_each_role_is_refused_what_it_may_not_do(session, world, function, allowed):
    for role, actor in world["actors"].items():
        outcome = _call(session, function, actor, world)
        if role in allowed:
            refused = isinstance(outcome, PermissionDenied) and outcome.message == GENERIC_REFUSAL
            assert not refused, f"{role} should be allowed to call {function.__name__}"
        else:
            assert isinstance(outcome, PermissionDenied), f"{role} was not refused {function.__name__}: {outcome!r}"
    for role in allowed:
        outcome = _call(session, function, world["disabled"][role], world)
        assert isinstance(outcome, PermissionDenied), f"disabled {role} was not refused {function.__name__}"


# Functions that take an actor but are not services a page calls: the gate itself and helpers that services
# call after they authorised. Each one says why it needs no row of its own.
EXEMPT = {
    "portal.auth.authorization.authorize": "the gate every service passes first",
    "portal.unit.policy.acting_unit_id": "pure helper: which unit a unit_admin acts for (tested in tests/unit)",
    "portal.audit.service.record": "written by services after they authorised",
    "portal.access.service.record": "written by services after they authorised",
    "portal.access.service.record_many": "like access.record: called by services after they authorised",
    "portal.access.service.require_bound": "the bound-unit gate itself (cross-tenant cases below)",
    "portal.access.service.unread_counts": "helper of the inbox badges, called after authorising",
    "portal.unit.confirmation_code.check_code": "called by bind and change_unit after they authorised",
    "portal.identity.limits.note_try": "called by identity.fill_in after it authorised the candidate",
    "portal.identity.capture.upload_to_manual_review": "called by identity.submit_scan with the candidate's own row",
    "portal.progress.common.refreshed": "called by the progress services after they authorised the reviewer",
}


def _services_taking_an_actor() -> dict[str, object]:
    """Every public function of every module under portal/ that has a parameter named `actor`."""
    found = {}
    for module_info in pkgutil.walk_packages(portal.__path__, "portal."):
        module = importlib.import_module(module_info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            if "actor" in inspect.signature(function).parameters:
                found[f"{module.__name__}.{name}"] = function
    return found


def test_matrix_covers_every_service_that_takes_an_actor():
    services = _services_taking_an_actor()
    # The discovery itself must reach every domain, or a missing package would pass silently.
    domains = {name.split(".")[1] for name in services}
    assert {"identity", "auth", "unit", "declaration", "stats", "progress", "profile", "message"} <= domains
    listed = {f"{f.__module__}.{f.__name__}" for f, _ in MATRIX}
    missing = sorted(name for name in services if name not in listed and name not in EXEMPT)
    assert not missing, f"services missing from the access matrix (add each with its allowed roles): {missing}"
    stale = sorted(name for name in set(EXEMPT) | listed if name not in services)
    assert not stale, f"matrix or exemptions name functions that no longer take an actor: {stale}"


def test_candidates_cannot_reach_each_others_data(session, world):
    other = factories.actor(session, C)
    with pytest.raises(REFUSED):
        identity.image(session, actor=other, verification_id=world["verification_id"], side="front")
    with pytest.raises(REFUSED):
        access.require_bound(session, actor=other, candidate_id=world["candidate_id"], section="identity")


def test_unit_admin_of_another_unit_cannot_reach_candidates(session, world):
    stranger = factories.actor(session, U, unit=factories.unit(session))
    with pytest.raises(REFUSED):
        bindings.candidate_detail(session, actor=stranger, candidate_id=world["candidate_id"])
    with pytest.raises(REFUSED):
        bindings.end_binding(session, actor=stranger, binding_id=world["binding_id"], reason="不是本单位")
    with pytest.raises(REFUSED):
        entry.unit_record(session, actor=stranger, year=2026, candidate_id=world["candidate_id"])
    with pytest.raises(REFUSED):
        access.require_bound(session, actor=stranger, candidate_id=world["candidate_id"], section="education")
