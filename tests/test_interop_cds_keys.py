"""The EHR's public key is parsed once per process and kept; a changed JWK Set is parsed afresh."""

from unittest import mock

import jwt

from interop.cds import security
from tests.factories import PatientFactory
from tests.test_interop_cds import EXAMPLES, SERVICE, call, ehr, hook_call, screened  # noqa: F401


def test_the_public_key_is_parsed_once_and_kept(client, ehr):  # noqa: F811
    security._parsed_key.cache_clear()
    patient = PatientFactory()
    screened("V01", patient=patient)
    with mock.patch.object(security.jwt, "PyJWK", wraps=jwt.PyJWK) as parse:
        for _ in range(3):
            assert call(client, hook_call(patient)).status_code == 200
    assert parse.call_count == 1


def test_a_changed_key_is_not_mistaken_for_the_kept_one(client, ehr):  # noqa: F811
    patient = PatientFactory()
    screened("V01", patient=patient)
    assert call(client, hook_call(patient)).status_code == 200
    other = dict(EXAMPLES["jwks_public"]["keys"][0])
    other["x"], other["y"] = other["y"], other["x"]  # another point (not on the curve)
    ehr.jwks = {"keys": [other]}
    ehr.save()
    assert call(client, hook_call(patient)).status_code == 401
