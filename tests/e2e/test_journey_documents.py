"""A rheumatologist signs an emergency referral (the form refuses a contradictory pair first),
prints the clinic letter (print media, as the browser's print draws it) and downloads its PDF."""

import io
from pathlib import Path

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from audit.models import AccessEvent
from intake import services
from intake.models import Review
from tests.factories import IntakeFactory, PatientFactory

PASSWORD = "correct horse battery staple"


def test_rheumatologist_signs_prints_the_letter_and_downloads_the_pdf(
    page, live_server, login, alice, bob, screenshot
):
    # 45 minutes of morning stiffness: a routine referral (version 3 makes V16 urgent).
    routine = services.screen_intake(
        intake=IntakeFactory(example_id="V01", morning_stiffness_minutes=45, created_by=alice)
    )
    patient = PatientFactory(given_name="Iris", family_name="Mbeki", mrn="MRN-7070")
    febrile = services.screen_intake(
        intake=IntakeFactory(
            example_id="V01",
            patient=patient,
            created_by=alice,
            fever=True,
            joint_swelling_observed=True,
        )
    )
    assert (febrile.urgency, routine.urgency) == ("emergency", "routine")

    login("bob")
    rows = page.locator("table.review-queue tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Mbeki, Iris")  # the emergency, though newer
    expect(rows.nth(0).locator(".badge-urgency")).to_have_text("Emergency — now / same day")
    rows.nth(0).get_by_role("link").click()
    expect(page.locator(".urgency-statement")).to_contain_text("Refer — Emergency — now / same day")

    review = page.locator("section", has=page.locator("#review-form-heading"))
    summary = review.locator("#signature-summary-text")
    review.get_by_label("Agree with the suggestion").check()
    review.get_by_label("AMPS programme").check()
    expect(summary).to_contain_text("cannot go with “AMPS programme”")  # as it is chosen
    review.get_by_label("Your password (signature)").fill(PASSWORD)
    review.get_by_role("button", name="Sign and lock").click()
    expect(page.locator("#id_disposition_0").locator("xpath=ancestor::fieldset")).to_contain_text(
        "override the suggestion and give the coded reason"
    )
    assert not Review.objects.exists()

    review.get_by_label("Inflammatory work-up").check()
    expect(summary).to_have_text(
        "Agree: refer for inflammatory work-up → disposition: inflammatory work-up"
    )
    review.get_by_label("Note").fill("Same-day assessment arranged; bloods and hip ultrasound.")
    review.get_by_label("Your password (signature)").fill(PASSWORD)
    screenshot("journey-documents-1-summary-before-signing")
    review.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_role("status").first).to_have_text(
        "Signed: Iris Mbeki. The case is now locked."
    )
    signed = Review.objects.get()

    page.goto(f"{live_server.url}{reverse('intake:intake_detail', args=[febrile.intake.uuid])}")
    page.get_by_role("link", name="Clinic letter").click()
    expect(page).to_have_url(
        f"{live_server.url}{reverse('documents:letter_print', args=[febrile.intake.uuid])}"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Clinic letter: musculoskeletal pain screening"
    )
    page.emulate_media(media="print")
    expect(page.locator(".toolbar")).to_be_hidden()
    expect(page.locator(".running-header")).to_be_visible()
    expect(page.locator(".running-header")).to_contain_text("Iris Mbeki · MRN MRN-7070")
    expect(page.locator(".watermark")).to_have_count(0)
    screenshot("journey-documents-2-letter-print-media")
    page.emulate_media(media="screen")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == "clinic-letter.pdf"
    reader = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Refer — Emergency — now / same day" in text
    assert "Agree with the suggestion" in text and "Inflammatory work-up" in text
    assert timezone.localtime(signed.signed_at).strftime("%-d %b %Y, %H:%M") in text

    logged = AccessEvent.objects.filter(intake=febrile.intake, user=bob)
    assert list(logged.filter(action="printed").values_list("detail", flat=True)) == [
        {"document": "letter", "format": "html", "intake_status": "signed"}
    ]
    assert list(logged.filter(action="exported").values_list("detail", flat=True)) == [
        {"document": "letter", "format": "pdf", "intake_status": "signed"}
    ]
