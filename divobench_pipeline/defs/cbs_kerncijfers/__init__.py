"""CBS kerncijfers: yearly bijstand, re-integratie and Wsw figures of every gemeente, from CBS alone."""
