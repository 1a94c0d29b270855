"""AST → meaning: what an equation read from LaTeX means on one network.

``symbols`` is the symbol table (what a name means on a network), ``evaluate``
the evaluator (one method per AST node), ``remarks`` the notation remarks it
returns with a value, ``arrays`` the vectors and matrices of whole layers.
"""

from derive.meaning.evaluator import Budget, Reading, evaluate, free_indices
from derive.meaning.symbols import Env, SymbolTable, Unfit

__all__ = ["Budget", "Reading", "evaluate", "free_indices", "Env", "SymbolTable", "Unfit"]
