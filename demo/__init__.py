"""Demo data for the whole platform: ``manage.py seed_demo`` runs every app's ``demo.seed``."""
