from django.urls import path, re_path

from interop import views

app_name = "interop"

urlpatterns = [
    path("fhir/metadata", views.metadata, name="metadata"),
    path("fhir/Questionnaire", views.questionnaire_search, name="questionnaire_search"),
    path("fhir/Questionnaire/amps-intake", views.questionnaire_read, name="questionnaire"),
    path("fhir/CodeSystem/<str:code_system_id>", views.code_system_read, name="code_system"),
    path("fhir/PlanDefinition", views.plan_definition_search, name="plan_definition_search"),
    path("fhir/PlanDefinition/<str:reference>", views.plan_definition_read, name="plan_definition"),
    path(
        "fhir/PlanDefinition/<str:reference>/_history/<str:version>",
        views.plan_definition_vread,
        name="plan_definition_version",
    ),
    path(
        "fhir/QuestionnaireResponse",
        views.questionnaire_response_search,
        name="questionnaire_response_search",
    ),
    path(
        "fhir/QuestionnaireResponse/$validate",
        views.questionnaire_response_validate,
        name="questionnaire_response_validate",
    ),
    path(
        "fhir/QuestionnaireResponse/<str:resource_id>",
        views.questionnaire_response_read,
        name="questionnaire_response",
    ),
    path(
        "fhir/GuidanceResponse/<str:resource_id>",
        views.guidance_response_read,
        name="guidance_response",
    ),
    path(
        "fhir/ClinicalImpression/<str:resource_id>",
        views.clinical_impression_read,
        name="clinical_impression",
    ),
    path("fhir/Patient", views.patient_search, name="patient_search"),
    path("fhir/Patient/<str:resource_id>", views.patient_read, name="patient"),
    path(
        "fhir/Patient/<str:resource_id>/$everything",
        views.patient_everything,
        name="patient_everything",
    ),
    re_path(r"^fhir/(?P<path>.*)$", views.fhir_not_found, name="fhir_not_found"),
    path("cds-services", views.cds_discovery, name="cds_discovery"),
    path("cds-services/amps-screen", views.cds_service, name="cds_service"),
    path("cds-services/amps-screen/feedback", views.cds_feedback, name="cds_feedback"),
]
