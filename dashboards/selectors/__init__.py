"""Reads for the leads' dashboards. Every public function runs on the read replica when one is
configured (trustconsole.replica) and returns plain, evaluated data for the templates and charts.
Each figure's definition is in its function's docstring; the pages repeat it for the reader."""
