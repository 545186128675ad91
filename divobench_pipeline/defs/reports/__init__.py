"""Participant reports: the monthly benchmark report (HTML dashboard, PDF, Word) and the infographic."""
