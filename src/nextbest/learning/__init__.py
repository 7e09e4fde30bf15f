"""Learning from outcomes: training sets, fitted models, validation of past runs and the report."""
