"""The accessibility statement (tillgänglighetsredogörelse) required by the DOS law, edited by an
admin, and the record of the automated accessibility checks that feed its "how we tested"."""
