"""The etomkg web layer (Flask): SPARQL endpoint, linked data, downloads and pages."""
