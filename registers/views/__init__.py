"""The registers' pages: `members` (the member register and posts), `records` (trainings,
activities, evidence), `inclusion` (三纳入四同时 and association profiles), `imports` and
`exports`. Each module is thin: units and records through the access modules, writes through
registers.services.
"""
