"""Mutation testing of derive on the seed post: single edits of its rows, labelled by an independent oracle.

- ``dsl``: expression trees for the seed's equations, printed in the seed's LaTeX style;
- ``seed_rows``: the checkable rows of examples/seed.md as trees, and where each sits in the text;
- ``model``, ``shapes``, ``oracle``: the oracle, plain SymPy on networks of several widths (it never
  imports derive): is a step of the derivation true?
- ``operators``: the single edits (swap W's subscripts, change an index letter, shift a layer, …);
- ``verdicts``: derive's verdict on each mutant (a whole file, as ``derive check`` reads it);
- ``python -m tests.mutation``: the table of mutants per operator and how derive did.

tests/test_seed_mutants.py holds the assertions: every false mutant fails at its own line (none passed,
none left not checked), every true mutant passes.
"""
