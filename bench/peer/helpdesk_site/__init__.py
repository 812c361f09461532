"""A minimal Django project serving django-helpdesk 2.6.1 for bench/peer/run.py."""
