"""The agreement's figures recorded on initiatives: students involved, new collaborations,
external partners and linked research projects (the board counts them: portal/board/agreement.py)."""
