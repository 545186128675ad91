"""Questionnaires (verdiepende module, Armoede & Schulden) and BUIG budgets: answers, indicators, status."""

import dagster as dg

from divobench_pipeline.defs.questionnaires.assets import QUESTIONNAIRE_ASSETS
from divobench_pipeline.defs.questionnaires.jobs import QUESTIONNAIRE_JOBS

defs = dg.Definitions(assets=QUESTIONNAIRE_ASSETS, jobs=QUESTIONNAIRE_JOBS)
