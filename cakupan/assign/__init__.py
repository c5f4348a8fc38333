"""Assign: every interview placed in a kelurahan and an RT, and repeats set aside.

Owns locating points in polygons exactly and fast (:mod:`~cakupan.assign._grid`, laid out by
:mod:`~cakupan.assign._gridding`; :mod:`~cakupan.assign.indexed` keeps a layer's indexes for
reuse), the placement rules (:mod:`~cakupan.assign.locate`: coordinates repaired, location,
the unit counted, the crosswalk) and duplicates (:mod:`~cakupan.assign.repeats`). May import
the ground floor only (:mod:`cakupan.read` and :mod:`cakupan.normalise` hand it frames, never
the other way); touches no file.
"""
