"""Finding patients by name or MRN: one normalised text per patient, searched word by word.

A patient's `search_text` holds their given name, family name and MRN folded to lower case
without accents ("Zoë Ashworth-Lee UX-1001" -> "zoe ashworth-lee ux-1001"). A search term is
folded the same way and split into words; a patient matches when every word occurs somewhere
in that text. So "Maya Ashworth", "ashworth maya", "ASHW" and "1001" all find Maya Ashworth,
UX-1001. On PostgreSQL a trigram index (pg_trgm, migration 0028) serves these
`LIKE '%word%'` searches; SQLite reads every row, correctly but more slowly.
"""

import unicodedata

from django.db.models import QuerySet

MAX_TERM_WORDS = 6


def fold(text: str) -> str:
    """Lower case without accents or other combining marks, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.split())


def patient_search_text(*, given_name: str, family_name: str, mrn: str) -> str:
    """The text a patient is found by (stored on Patient.search_text)."""
    return fold(f"{given_name} {family_name} {mrn}")


def search_words(term: str) -> list[str]:
    """The distinct folded words of a search term (at most MAX_TERM_WORDS)."""
    return list(dict.fromkeys(fold(term).split()))[:MAX_TERM_WORDS]


def matching_patients(patients: QuerySet, term: str) -> QuerySet:
    """The patients whose name or MRN holds every word of the term (all of them if none)."""
    for word in search_words(term):
        patients = patients.filter(search_text__contains=word)
    return patients
