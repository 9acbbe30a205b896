"""The demo county, built by `sanlian demo` (sanlian/management/commands/demo.py) and by the tests
that need a realistic one: `tree` (the org tree of two counties), `registers` with
`register_parts` and `register_words` (members, posts, trainings, activities, profiles),
`assessments` with `assessment_parts` and `assessment_rounds` (the campaign's decided rounds and
the current one), and `plans` (the townships' surveys and creation plans). It sits in the project
package because it composes every app.
"""
