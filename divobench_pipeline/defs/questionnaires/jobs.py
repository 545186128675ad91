"""Jobs of the questionnaires domain: budget intake, answers per period × participant, indicators, status."""

import dagster as dg

budget_job = dg.define_asset_job(
    "budget_job", selection=["buig_budget_bestanden", "buig_budgetten"],
    description="Take BUIG budget files from inbox/_budget/ through the door and rebuild the budgets in force.")
questionnaire_answers_job = dg.define_asset_job(
    "questionnaire_answers_job", selection=["vragenlijst_antwoorden"],
    description="Replace the answers of (period, participant) partitions whose workbook in force changed.")
questionnaire_indicator_job = dg.define_asset_job(
    "questionnaire_indicator_job", selection=["vragenlijst_indicatoren"],
    description="Recompute the verdiepende and Armoede & Schulden indicators (and group values) of changed periods.")
questionnaire_status_job = dg.define_asset_job(
    "questionnaire_status_job", selection=["vragenlijst_aanleverstatus"],
    description="Recompute which questionnaires are in, late or missing.")
QUESTIONNAIRE_JOBS = [budget_job, questionnaire_answers_job, questionnaire_indicator_job, questionnaire_status_job]
