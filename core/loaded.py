"""A model mixin that keeps the values an instance was read or last saved with.

`instance.loaded_values` maps each field's attname to its value as the database holds it, as
Django's documentation shows for `Model.from_db`. A receiver can then tell what a save changes
without reading the row again (campaigns' roll-ups skip an edit that moves no figure). It is
missing when it cannot be trusted (after `refresh_from_db`), and a reader then falls back to a
query.
"""


class RemembersLoadedValues:
    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance.loaded_values = dict(zip(field_names, values, strict=True))
        return instance

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self.__dict__.pop("loaded_values", None)

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        written = kwargs.get("update_fields")
        saved = {
            f.attname: getattr(self, f.attname)
            for f in self._meta.concrete_fields
            if not written or f.name in written or f.attname in written
        }
        # A save of some fields leaves the others as they were read.
        self.loaded_values = {**getattr(self, "loaded_values", {}), **saved} if written else saved
