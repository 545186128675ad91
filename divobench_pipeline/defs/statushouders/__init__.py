"""Statushouders: CBS cohort deliveries, COA taakstelling and the KIS survey, and their indicators."""
