"""The clinic letter and the family information sheets: print views, PDFs, who may see
them, what they say, and the access log."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AccessEvent
from documents import placeholders
from documents.models import ClinicDetails
from intake import services
from tests.factories import IntakeFactory, PatientFactory

pytestmark = pytest.mark.django_db


def _case(example_id="V17", mrn="MRN-4242", **changes):
    patient = PatientFactory(given_name="Ada", family_name="Lovelace", mrn=mrn)
    screening = services.screen_intake(
        intake=IntakeFactory(example_id=example_id, patient=patient, **changes)
    )
    return screening.intake


def _sign(intake, reviewer, *, disposition="inflammatory_workup", **values):
    return services.record_review(
        screening=intake.current_screening,
        reviewer=reviewer,
        decision=values.pop("decision", "agree"),
        disposition=disposition,
        **values,
    )


def _letter(intake, pdf=False):
    name = "documents:letter_pdf" if pdf else "documents:letter_print"
    return reverse(name, args=[intake.uuid])


def _sheet(intake, kind, pdf=False):
    name = "documents:sheet_pdf" if pdf else "documents:sheet_print"
    return reverse(name, args=[intake.uuid, kind])


def _pdf_text(response) -> tuple[PdfReader, str]:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


# -- the letter -----------------------------------------------------------------------------------


def test_the_signed_letter_pdf_has_the_suggestion_decision_and_signature_time(rheum_client, bob):
    intake = _case("V17")
    review = _sign(intake, bob, note="Bloods and ultrasound this week.")
    response = rheum_client.get(_letter(intake, pdf=True))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="clinic-letter.pdf"'
    _, text = _pdf_text(response)
    assert "Refer — Urgent — within 48 hours" in text
    assert "Agree with the suggestion" in text
    assert "Inflammatory work-up" in text
    signed_at = review.signed_at.astimezone().strftime("%-d %b %Y, %H:%M")
    assert signed_at in text
    assert "Fever: fever yes" in text or "Fever" in text
    assert "DRAFT" not in text
    assert "Ada Lovelace" in text and "MRN-4242" in text


def test_the_pdf_has_its_stylesheet_with_production_static_files(rheum_client, bob, settings):
    """Production serves hashed static names from a manifest (collectstatic); the PDF must
    not depend on them. The page numbers come from the print stylesheet's @page rules."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    intake = _case("V17")
    _sign(intake, bob)
    response = rheum_client.get(_letter(intake, pdf=True))
    assert response.status_code == 200
    _, text = _pdf_text(response)
    assert "Page 1 of 1" in text


def test_every_page_of_the_pdf_names_the_patient_and_is_numbered(staff_client, bob, alice):
    intake = _case("V17")
    _sign(intake, bob)
    for number in range(25):  # enough addenda for several pages
        services.add_addendum(intake=intake, author=alice, text=f"Addendum number {number}. " * 8)
    reader, _ = _pdf_text(staff_client.get(_letter(intake, pdf=True)))
    pages = reader.pages
    assert len(pages) >= 2
    for index, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert "Ada Lovelace · MRN MRN-4242" in text, index
        assert f"Page {index} of {len(pages)}" in text


def test_an_unsigned_letter_is_a_draft_on_every_page(staff_client):
    intake = _case("V01")
    html = staff_client.get(_letter(intake)).content.decode()
    assert 'class="watermark"' in html and "DRAFT — not signed" in html
    _, text = _pdf_text(staff_client.get(_letter(intake, pdf=True)))
    assert "DRAFT — not signed" in text
    assert "Not yet reviewed." in text


def test_the_print_view_has_no_navigation_and_no_forms_and_a_print_stylesheet(staff_client, bob):
    intake = _case("V17")
    _sign(intake, bob)
    services.add_addendum(intake=intake, author=bob, text="Older")
    services.add_addendum(intake=intake, author=bob, text="Newer")
    response = staff_client.get(_letter(intake))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<nav" not in html and "<form" not in html
    assert 'href="/static/documents/print.css"' in html
    assert "<script>" not in html and " style=" not in html  # the CSP allows neither
    assert html.index("Newer") < html.index("Older")
    assert "Criteria version" in html
    css = (
        __import__("pathlib").Path(__file__).resolve().parents[2] / "static/documents/print.css"
    ).read_text()
    assert 'counter(page) " of " counter(pages)' in css
    assert ".screen-only { display: none !important; }" in css


# -- the family information sheets ----------------------------------------------------------------


def test_the_amps_sheet_says_what_families_need_to_know(staff_client, bob):
    intake = _case("V01")
    _sign(intake, bob, disposition="amps_programme")
    html = staff_client.get(_sheet(intake, "amps_programme")).content.decode()
    for words in (
        "The pain is real",
        "Physical therapy every day",
        "desensitisation",
        "cognitive behavioural therapy",
        "We avoid strong painkillers and opioids",
        "most children get completely or mostly better",
        "usually shorter",
        "Regular sleep, going to school",
    ):
        assert words in html, words
    _, text = _pdf_text(staff_client.get(_sheet(intake, "amps_programme", pdf=True)))
    assert "The pain is real" in text


def test_the_inflammatory_sheet_is_shorter_and_says_when_to_get_help(rheum_client, bob):
    intake = _case("V17")
    _sign(intake, bob)
    response = rheum_client.get(_sheet(intake, "inflammatory_workup"))
    html = response.content.decode()
    assert "Get help the same day if" in html
    amps = _case("V01", mrn="MRN-5151")
    _sign(amps, bob, disposition="amps_programme")
    longer = rheum_client.get(_sheet(amps, "amps_programme")).content.decode()
    assert len(html) < len(longer)


def test_a_sheet_is_only_for_the_disposition_signed(staff_client, bob):
    intake = _case("V17")
    assert staff_client.get(_sheet(intake, "inflammatory_workup")).status_code == 404  # unsigned
    _sign(intake, bob)
    assert staff_client.get(_sheet(intake, "amps_programme")).status_code == 404
    assert staff_client.get(_sheet(intake, "no_such_sheet")).status_code == 404
    assert not AccessEvent.objects.filter(action__in=["printed", "exported"]).exists()


def test_the_clinic_text_is_escaped_and_placeholders_filled(staff_client, bob):
    ClinicDetails.objects.create(
        clinic_name="<script>alert(1)</script> Clinic",
        phone="0123 <b>456</b>",
        programme_text="Call {clinic_name} on {clinic_phone}. {{ request.user }} {% now 'Y' %}",
    )
    intake = _case("V01")
    _sign(intake, bob, disposition="amps_programme")
    html = staff_client.get(_sheet(intake, "amps_programme")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Clinic" in html
    assert (
        "Call &lt;script&gt;alert(1)&lt;/script&gt; Clinic on 0123 &lt;b&gt;456&lt;/b&gt;." in html
    )
    assert "{{ request.user }} {% now &#x27;Y&#x27; %}" in html  # never the template language
    letter = staff_client.get(_letter(intake)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Clinic" in letter


def test_placeholders_render_escaped_and_unknown_ones_are_refused_in_the_admin_form():
    assert str(placeholders.render("A {clinic_name}\n\nB", {"clinic_name": "<i>X</i>"})) == (
        "<p>A &lt;i&gt;X&lt;/i&gt;</p>\n\n<p>B</p>"
    )
    assert placeholders.unknown_placeholders("{clinic_name} {patient_name}") == ["patient_name"]
    details = ClinicDetails(programme_text="Hello {patient_name}")
    with pytest.raises(Exception) as error:
        details.full_clean()
    assert error.value.error_dict["programme_text"][0].code == "unknown_placeholder"


def test_the_clinic_details_are_one_row_with_a_history(editor_client, carol):
    url = reverse("admin:documents_clinicdetails_add")
    response = editor_client.post(
        url,
        {
            "clinic_name": "North Clinic",
            "address": "1 Road",
            "phone": "01",
            "email": "a@b.example",
            "programme_text": "Call {clinic_phone}.",
        },
    )
    assert response.status_code == 302
    details = ClinicDetails.objects.get()
    assert details.history.first().history_user == carol
    assert editor_client.get(url).status_code == 403  # a second row cannot be added
    delete = reverse("admin:documents_clinicdetails_delete", args=[details.pk])
    assert editor_client.post(delete, {"post": "yes"}).status_code == 403


# -- the access log and who may see documents -----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "pdf", "action", "document"),
    [
        ("letter", False, "printed", "letter"),
        ("letter", True, "exported", "letter"),
        ("amps_programme", False, "printed", "sheet_amps_programme"),
        ("amps_programme", True, "exported", "sheet_amps_programme"),
    ],
)
def test_every_print_and_pdf_is_in_the_access_log(
    staff_client, alice, bob, kind, pdf, action, document
):
    intake = _case("V01")
    _sign(intake, bob, disposition="amps_programme")
    url = _letter(intake, pdf) if kind == "letter" else _sheet(intake, kind, pdf)
    assert staff_client.get(url).status_code == 200
    event = AccessEvent.objects.get(action=action)
    assert (event.user, event.intake, event.patient) == (alice, intake, intake.patient)
    assert event.detail == {
        "document": document,
        "format": "pdf" if pdf else "html",
        "intake_status": "signed",
    }


ALL_PATHS = [
    ("letter", False),
    ("letter", True),
    ("amps_programme", False),
    ("amps_programme", True),
]


def _url(intake, kind, pdf):
    return _letter(intake, pdf) if kind == "letter" else _sheet(intake, kind, pdf)


@pytest.mark.parametrize(("kind", "pdf"), ALL_PATHS)
def test_documents_need_a_sign_in(client, bob, kind, pdf):
    intake = _case("V01")
    _sign(intake, bob, disposition="amps_programme")
    response = client.get(_url(intake, kind, pdf))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(("kind", "pdf"), ALL_PATHS)
@pytest.mark.parametrize("persona", ["carol", "dave"])
def test_criteria_editors_and_users_without_a_role_are_refused(
    client, bob, request, persona, kind, pdf
):
    intake = _case("V01")
    _sign(intake, bob, disposition="amps_programme")
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_url(intake, kind, pdf)).status_code == 403
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize(("kind", "pdf"), ALL_PATHS)
def test_an_unknown_case_or_a_draft_is_not_found(staff_client, kind, pdf):
    import uuid

    assert (
        staff_client.get(_url(type("X", (), {"uuid": uuid.uuid4()}), kind, pdf)).status_code == 404
    )
    draft = IntakeFactory(status="draft")
    assert staff_client.get(_url(draft, kind, pdf)).status_code == 404


def test_the_case_pages_link_to_their_documents(staff_client, rheum_client, bob):
    intake = _case("V01")
    _sign(intake, bob, disposition="amps_programme")
    for client in (staff_client, rheum_client):
        html = client.get(reverse("intake:intake_detail", args=[intake.uuid])).content.decode()
        assert _letter(intake) in html and _letter(intake, pdf=True) in html
        assert _sheet(intake, "amps_programme") in html
        assert _sheet(intake, "inflammatory_workup") not in html


# -- documents never print a hole -------------------------------------------------------------


def test_a_sentence_whose_placeholder_has_no_value_is_left_out():
    text = "We will call you. If you have questions, call {clinic_name} on {clinic_phone}. Bye!"
    values = {"clinic_name": "Clinic", "clinic_phone": ""}
    assert placeholders.missing(text, values) == ["clinic_phone"]
    assert str(placeholders.render(text, values)) == "<p>We will call you. Bye!</p>"
    values["clinic_phone"] = "0123"
    assert "call Clinic on 0123." in str(placeholders.render(text, values))


def test_a_sheet_without_clinic_details_warns_the_printer_and_prints_no_hole(
    staff_client, admin_client, bob
):
    # A fresh site: no clinic details saved, so no phone and no address.
    intake = _case("V01")
    _sign(intake, bob, disposition="amps_programme")
    html = staff_client.get(_sheet(intake, "amps_programme")).content.decode()
    assert " on ." not in html and "on {clinic_phone}" not in html
    assert "The clinic's telephone number and address are not set." in html
    assert "Ask a criteria editor or administrator" in html
    _, text = _pdf_text(staff_client.get(_sheet(intake, "amps_programme", pdf=True)))
    assert " on ." not in text and "call Paediatric Rheumatology Clinic" not in text
    assert "not set" not in text  # the warning is for the person printing, not the family
    letter = staff_client.get(_letter(intake)).content.decode()
    assert "are not set." in letter
    # Whoever may also edit the clinic details is sent to them.
    page = admin_client.get(_sheet(intake, "amps_programme")).content.decode()
    assert reverse("admin:documents_clinicdetails_changelist") in page


def test_complete_clinic_details_give_no_warning_and_demo_details_say_demo_on_every_page(
    staff_client, bob
):
    ClinicDetails.objects.create(
        clinic_name="Demo Clinic", phone="01632 960000", address="1 Example Road", is_demo=True
    )
    intake = _case("V01")
    _sign(intake, bob, disposition="amps_programme")
    html = staff_client.get(_sheet(intake, "amps_programme")).content.decode()
    assert "not set" not in html
    assert "call Demo Clinic on 01632 960000." in html
    reader, _ = _pdf_text(staff_client.get(_letter(intake, pdf=True)))
    for page in reader.pages:
        assert "DEMO — synthetic clinic details" in page.extract_text()
