"""Formulation layer: CP-SAT context, integer scaling and the objective sum."""
