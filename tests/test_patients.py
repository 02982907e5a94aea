"""The patient as a record: the patient page, identity corrections, and the patient search."""

import re
import uuid
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from intake import services
from intake.models import Intake, IntakeStatus, Patient
from intake.search import fold, matching_patients
from tests.factories import IntakeFactory, PatientFactory, birth_date_for

pytestmark = pytest.mark.django_db


def page(uuid_):
    return reverse("intake:patient_detail", args=[uuid_])


def correct_url(patient):
    return reverse("intake:patient_correct", args=[patient.uuid])


def screened(**kwargs) -> Intake:
    """A submitted intake with its screening, as the form would leave it."""
    intake = IntakeFactory(**kwargs)
    services.screen_intake(intake=intake)
    return intake


def sign(intake, reviewer, disposition="amps_programme"):
    return services.record_review(
        screening=intake.current_screening,
        reviewer=reviewer,
        decision="agree",
        override_reason="",
        comment="",
        disposition=disposition,
        note="",
    )


# -- the patient page --------------------------------------------------------------------------


def test_the_patient_page_lists_every_visit_newest_first_with_its_suggestion(
    staff_client, alice, bob
):
    patient = PatientFactory(given_name="Maya", family_name="Ashworth")
    today = timezone.localdate()
    first = screened(patient=patient, intake_date=today - timedelta(days=60), example_id="V01")
    second = screened(
        patient=patient, intake_date=today - timedelta(days=5), visit_type="follow_up"
    )
    sign(first, bob)
    html = staff_client.get(page(patient.uuid)).content.decode()
    assert "Maya Ashworth" in html and patient.mrn in html
    rows = re.findall(r'href="/intakes/([0-9a-f-]+)/">', html)
    assert rows[:2] == [str(second.uuid), str(first.uuid)]
    assert "Follow-up visit" in html and "Initial visit" in html
    assert "Agree with the suggestion · AMPS programme" in html
    assert "Awaiting review" in html
    first.refresh_from_db()
    names = first.current_screening.criteria_set.criteria.filter(
        code__in=first.current_screening.pathways
    ).values_list("name", flat=True)
    assert names and all(name in html for name in names)


def test_viewing_the_patient_page_is_in_the_access_log(rheum_client, bob):
    patient = screened().patient
    rheum_client.get(page(patient.uuid), REMOTE_ADDR="10.0.0.9")
    event = AccessEvent.objects.get()
    assert (event.user, event.patient, event.action, event.ip_address) == (
        bob,
        patient,
        "view",
        "10.0.0.9",
    )


def test_the_patient_page_needs_a_login(client):
    patient = PatientFactory()
    response = client.get(page(patient.uuid))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["carol", "dave"])
def test_the_patient_page_is_closed_to_other_roles(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(page(PatientFactory().uuid)).status_code == 403
    assert not AccessEvent.objects.exists()


def test_an_unknown_patient_is_404(staff_client):
    assert staff_client.get(page(uuid.uuid4())).status_code == 404


@pytest.mark.parametrize("visits", [2, 20])
def test_the_patient_page_takes_a_fixed_number_of_queries(
    staff_client, bob, visits, django_assert_max_num_queries
):
    patient = PatientFactory()
    day = timezone.localdate() - timedelta(days=400)
    for n in range(visits):
        intake = screened(patient=patient, intake_date=day + timedelta(days=15 * n))
        if n % 2:
            sign(intake, bob)
    services.correct_patient_identity(
        patient=patient, values={"given_name": "Corrected"}, reason="Typo", user=bob
    )
    staff_client.get(page(patient.uuid))  # warm the session and permission caches
    with django_assert_max_num_queries(12):
        response = staff_client.get(page(patient.uuid))
    assert response.content.decode().count('class="point"') >= visits


def test_each_chart_has_a_point_per_visit_and_a_table_of_the_values(staff_client, bob):
    patient = PatientFactory()
    today = timezone.localdate()
    first = screened(patient=patient, intake_date=today - timedelta(days=30), fdi_score=30)
    screened(patient=patient, intake_date=today, fdi_score=12)
    sign(first, bob, disposition="amps_programme")
    IntakeFactory(patient=patient, status=IntakeStatus.DRAFT, fdi_score=55)  # not charted
    html = staff_client.get(page(patient.uuid)).content.decode()
    for key in ("pain", "fdi", "wpi", "sss", "school"):
        assert f'id="chart-{key}"' in html
    fdi = html.split('id="chart-fdi"')[1].split("</figure>")[0]
    assert fdi.count('class="point"') == 2
    assert "FDI 30" in fdi and "FDI 12" in fdi and "55" not in fdi
    assert "<table" in fdi and "<td>30</td>" in fdi and "<td>12</td>" in fdi
    pain = html.split('id="chart-pain"')[1].split("</figure>")[0]
    assert pain.count('class="point"') == 4  # pain now and worst pain at two visits
    # The suggestion and the disposition are marked on the time axis.
    assert fdi.count('class="marker suggestion-') == 2
    assert fdi.count('class="marker disposition-amps_programme"') == 1


def test_the_patient_page_has_no_inline_style_or_script(staff_client):
    patient = screened().patient
    html = staff_client.get(page(patient.uuid)).content.decode()
    assert " style=" not in html
    assert "<script>" not in html and "<script " not in html.replace('<script src="/static/', "")


# -- identity corrections -------------------------------------------------------------------------


def correction(patient, **changes):
    data = {
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "sex": patient.sex,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "mrn": patient.mrn,
        "reason": "Mistyped at registration; checked against the birth certificate.",
    }
    data.update(changes)
    return data


def test_a_date_of_birth_correction_is_in_the_history_with_who_and_why(staff_client, alice):
    patient = PatientFactory(date_of_birth=date(2014, 3, 1))
    response = staff_client.post(
        correct_url(patient), correction(patient, date_of_birth="2013-03-01")
    )
    assert response.status_code == 302 and response["Location"] == page(patient.uuid)
    patient.refresh_from_db()
    assert patient.date_of_birth == date(2013, 3, 1)
    latest = patient.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        alice,
        "Mistyped at registration; checked against the birth certificate.",
    )
    html = staff_client.get(page(patient.uuid)).content.decode()
    assert re.search(
        r"Date of birth corrected on \d+ \w+ \d{4}, \d\d:\d\d by Alice Archer: Mistyped", html
    )
    assert "was 1 Mar 2014, now 1 Mar 2013" in html
    assert AccessEvent.objects.filter(patient=patient, action="correct", user=alice).exists()


def test_a_correction_needs_a_reason(staff_client):
    patient = PatientFactory()
    response = staff_client.post(correct_url(patient), correction(patient, sex="male", reason=" "))
    assert response.status_code == 200
    assert response.context["form"].has_error("reason")
    patient.refresh_from_db()
    assert patient.sex == "female"
    assert response.context["form"]["sex"].value() == "male"  # kept as typed


def test_a_refused_correction_leaves_the_page_showing_the_stored_patient(staff_client):
    patient = PatientFactory(given_name="Ann")
    typed = correction(patient, given_name="B" * 101, reason="Misspelt.")
    response = staff_client.post(correct_url(patient), typed)
    assert response.status_code == 200
    assert response.context["form"].errors["given_name"][0].startswith("Ensure this value")
    assert response.context["patient"].given_name == "Ann"  # the form bound a copy


def test_a_correction_that_changes_nothing_is_refused(staff_client):
    patient = PatientFactory()
    response = staff_client.post(correct_url(patient), correction(patient))
    assert response.context["form"].non_field_errors().as_data()[0].code == "unchanged"
    assert patient.history.count() == 1


def test_another_patients_mrn_is_refused_beside_the_field(staff_client):
    other = PatientFactory(mrn="UX-1001")
    patient = PatientFactory()
    response = staff_client.post(correct_url(patient), correction(patient, mrn="UX-1001"))
    assert response.status_code == 200
    assert response.context["form"].errors["mrn"][0].startswith("MRN UX-1001 belongs to another")
    assert 'href="#id_mrn"' in response.content.decode()  # in the summary too
    patient.refresh_from_db()
    assert patient.mrn != other.mrn


@pytest.mark.parametrize(
    ("born", "code"),
    [("2999-01-01", "future"), ("1990-01-01", "too_old"), ("not a date", "invalid")],
)
def test_an_impossible_date_of_birth_is_refused(staff_client, born, code):
    patient = screened().patient
    response = staff_client.post(correct_url(patient), correction(patient, date_of_birth=born))
    assert response.context["form"].errors.as_data()["date_of_birth"][0].code == code


def test_a_date_of_birth_after_the_first_intake_is_refused(staff_client):
    intake = screened(intake_date=timezone.localdate() - timedelta(days=300))
    patient = intake.patient
    later = (intake.intake_date + timedelta(days=1)).isoformat()
    response = staff_client.post(correct_url(patient), correction(patient, date_of_birth=later))
    assert response.context["form"].errors.as_data()["date_of_birth"][0].code == "after_intake"


def test_correcting_the_date_of_birth_screens_unsigned_intakes_again_and_never_signed_ones(
    staff_client, bob
):
    patient = PatientFactory(date_of_birth=birth_date_for(13))
    signed = screened(patient=patient, intake_date=timezone.localdate() - timedelta(days=20))
    unsigned = screened(patient=patient)
    draft = IntakeFactory(patient=patient, status=IntakeStatus.DRAFT)
    sign(signed, bob)
    signed_screening = signed.current_screening_id
    before = unsigned.current_screening_id
    staff_client.post(
        correct_url(patient),
        correction(patient, date_of_birth=birth_date_for(4).isoformat()),
    )
    unsigned.refresh_from_db()
    signed.refresh_from_db()
    assert unsigned.current_screening_id != before
    assert unsigned.screenings.count() == 2  # the earlier screening is kept
    assert unsigned.current_screening.facts["age_years"] == 4
    assert signed.current_screening_id == signed_screening
    assert signed.screenings.count() == 1
    assert not draft.screenings.exists()


def test_correcting_a_name_screens_nothing_again(staff_client):
    intake = screened()
    staff_client.post(correct_url(intake.patient), correction(intake.patient, given_name="Mia"))
    assert intake.screenings.count() == 1


def test_a_signed_intake_says_the_identity_was_corrected_after_signing(staff_client, bob):
    patient = PatientFactory(sex="female", date_of_birth=birth_date_for(13))
    intake = screened(patient=patient)
    sign(intake, bob)
    staff_client.post(correct_url(patient), correction(patient, sex="male"))
    html = staff_client.get(reverse("intake:intake_detail", args=[intake.uuid])).content.decode()
    assert "identity was corrected after this case was signed" in html
    assert "screened with age 13 and sex female" in html
    patient_html = staff_client.get(page(patient.uuid)).content.decode()
    assert "identity corrected after signing" in patient_html


def test_an_mrn_taken_meanwhile_is_refused_and_nothing_is_saved(alice):
    patient = PatientFactory(given_name="Ana")
    PatientFactory(mrn="TAKEN-1")
    with pytest.raises(services.MrnTaken):
        services.correct_patient_identity(
            patient=patient,
            values={"mrn": "TAKEN-1", "given_name": "Anna"},
            reason="x",
            user=alice,
        )
    patient.refresh_from_db()
    assert (patient.given_name, patient.history.count()) == ("Ana", 1)


def test_rheumatologists_cannot_correct_an_identity(rheum_client):
    patient = PatientFactory()
    assert rheum_client.get(correct_url(patient)).status_code == 403
    assert (
        rheum_client.post(correct_url(patient), correction(patient, sex="male")).status_code == 403
    )


def test_correcting_an_unknown_patient_is_404(staff_client):
    assert (
        staff_client.get(reverse("intake:patient_correct", args=[uuid.uuid4()])).status_code == 404
    )


def test_the_correction_page_needs_a_login(client):
    response = client.get(correct_url(PatientFactory()))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# -- search ----------------------------------------------------------------------------------------

SEARCH = reverse("intake:patient_search")


def search(client, term):
    response = client.post(SEARCH, {"q": term})
    assert response.status_code == 302 and response["Location"] == SEARCH
    return client.get(SEARCH)


@pytest.fixture
def maya(db):
    patient = PatientFactory(given_name="Maya", family_name="Ashworth", mrn="UX-1001")
    screened(patient=patient, intake_date=timezone.localdate() - timedelta(days=40))
    latest = screened(patient=patient, visit_type="follow_up")
    PatientFactory(given_name="Zoë", family_name="Núñez", mrn="UX-2002")
    PatientFactory(given_name="Ashley", family_name="Mayfield", mrn="QQ-77")
    return patient, latest


@pytest.mark.parametrize(
    "term", ["Maya Ashworth", "Ashworth Maya", "ashworth", "MAYA", "worth", "1001", "ux-1001"]
)
def test_search_finds_a_patient_by_full_name_either_order_part_of_a_name_or_mrn(
    staff_client, maya, term
):
    response = search(staff_client, term)
    assert [p.pk for p in response.context["page_obj"]] == [maya[0].pk]


def test_accents_and_case_do_not_matter(staff_client, maya):
    for term in ("zoe nunez", "NÚÑEZ", "Zoë"):
        found = search(staff_client, term).context["page_obj"]
        assert [p.given_name for p in found] == ["Zoë"], term


def test_search_results_are_patients_with_their_latest_visit(staff_client, maya):
    patient, latest = maya
    screened(patient=PatientFactory(given_name="Maya", family_name="Other"))
    response = search(staff_client, "may")
    found = list(response.context["page_obj"])
    assert len(found) == 3  # Maya Ashworth, Maya Other, Ashley Mayfield: one row each
    row = next(p for p in found if p.pk == patient.pk)
    assert row.latest_intake == latest
    html = response.content.decode()
    assert html.count(f'href="/patients/{patient.uuid}/"') == 1
    assert f'href="/intakes/{latest.uuid}/"' in html and "Follow-up visit" in html


def test_the_search_counts_up_to_the_bound_and_lists_in_name_order(staff_client, monkeypatch):
    monkeypatch.setattr("intake.views.patients.ROW_LIMIT", 3)
    monkeypatch.setattr("intake.views.patients.PATIENTS_PER_PAGE", 2)
    for family in ("Rossi", "Ross", "Rosso", "Moss", "Rossiter"):
        PatientFactory(given_name="Ana", family_name=family)
    with CaptureQueriesContext(connection) as queries:
        response = search(staff_client, "ross")
    page = response.context["page_obj"]
    assert (page.paginator.count, page.paginator.more) == (3, True)  # 4 match: "more than 3"
    assert [p.family_name for p in page] == ["Ross", "Rossi"]
    html = response.content.decode()
    assert "More than 3 patients found." in html and "Only the first 3 are listed" in html
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 4" in sql for sql in counts), counts


def test_the_search_term_never_appears_in_a_url(staff_client, maya):
    response = staff_client.post(SEARCH, {"q": "Maya Ashworth"})
    assert "Maya" not in response["Location"]
    html = staff_client.get(SEARCH).content.decode()
    assert not re.search(r'href="[^"]*Maya', html)
    event = AccessEvent.objects.get(action="view")
    assert event.patient is None and "Maya" not in str(event.detail)


def test_a_too_long_search_term_is_refused_clearly(staff_client):
    response = staff_client.post(SEARCH, {"q": "x" * 101})
    assert response.status_code == 400
    assert "at most 100 characters" in response.content.decode()


def test_no_match_says_so(staff_client, maya):
    assert "No patient matches" in search(staff_client, "Nobody").content.decode()


def test_the_search_needs_a_login(client):
    assert client.post(SEARCH, {"q": "Maya"}).status_code == 302
    assert not client.session.get("patient_search")


@pytest.mark.parametrize("persona", ["carol", "dave"])
def test_the_search_is_closed_to_other_roles(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(SEARCH, {"q": "Maya"}).status_code == 403


def test_search_text_is_kept_when_a_patient_changes():
    patient = PatientFactory(given_name="Élodie", family_name="Brontë", mrn="AB-12")
    assert patient.search_text == "elodie bronte ab-12"
    patient.family_name = "Smith"
    patient.save(update_fields=["family_name"])
    assert Patient.objects.get(pk=patient.pk).search_text == "elodie smith ab-12"
    assert fold("  ÅSA\tÖberg ") == "asa oberg"
    assert list(matching_patients(Patient.objects.all(), "smith elodie")) == [patient]
