"""A synthetic but plausible grid hierarchy for 汕尾 (Shanwei), built from real boundaries.

汕尾 publishes its grid counts (56 large, 868 medium and 4,555 small grids) but not the grid
polygons. :func:`build_demo_city` makes a stand-in that has the right counts, nests exactly
and looks like towns and villages on a map, so that the rest of the system can be developed,
demonstrated and benchmarked on realistic data.

How the city is built:

1. The four district boundaries (城区 441502, 海丰县 441521, 陆河县 441523, 陆丰市 441581)
   are read from GeoJSON in GCJ-02 and converted to WGS84 with :mod:`geo.crs`. Each district
   keeps only its mainland: polygon parts of at least :data:`ISLET_MIN_AREA_KM2` km² whose
   centroid lies north of :data:`MAINLAND_MIN_LAT`. This drops the offshore islets and the
   far southern banks (东沙, down to 20.58°N). The four districts are then made into a clean
   polygon coverage (:func:`shapely.coverage_clean`; an area claimed twice goes to the
   earlier district, as if later districts were clipped by earlier ones).
2. The work is done in a local plane (an equirectangular projection centred on the city,
   in metres). A synthetic population density is laid over the city: a Gaussian bump on each
   county seat, two or three smaller urban cores per district, then one bump on the centre of
   every town, over a rural base level.
3. Large grids are shared among the districts in proportion to area, medium grids among the
   large grids and small grids among the medium grids in proportion to population, always
   with the largest-remainder method and at least one child per parent
   (:func:`largest_remainder`).
4. A parent is split into its children by population-weighted k-means (a weighted Lloyd
   relaxation) on random points inside it; the cluster centres seed a Voronoi diagram whose
   edges are bent by a few random harmonics so that the borders look like field and village
   borders rather than straight lines. The parent boundary and the bent edges are noded and
   polygonised; each face goes to the seed that lies inside it, and faces with no seed (bits
   cut off by a crooked coast) go to the neighbour with which they share the longest border.
   Children that come out empty or as slivers are reseeded (the largest sibling is split in
   two) until every parent has exactly its allotted count. Denser areas therefore get more,
   smaller cells.
5. Each level is then made edge-matched across parents with :func:`shapely.coverage_clean`,
   converted back to WGS84 longitude/latitude, and given codes, names, staff and household
   counts.

Everything is drawn from random generators seeded by ``seed`` (and the level and parent
index), so one seed always gives byte-identical geometry.

Where each step lives: :mod:`~geo.demo_city.shanwei` (the real city's facts),
:mod:`~geo.demo_city.districts` (step 1), :mod:`~geo.demo_city.plane` (the local plane),
:mod:`~geo.demo_city.population` (the density and cell populations),
:mod:`~geo.demo_city.apportion` (step 3), :mod:`~geo.demo_city.kmeans` and
:mod:`~geo.demo_city.partition` (step 4), :mod:`~geo.demo_city.builder` (the steps in
order), :mod:`~geo.demo_city.names` and :mod:`~geo.demo_city.layers` (step 5).
"""

from geo.demo_city.apportion import largest_remainder
from geo.demo_city.builder import ProgressCallback, build_demo_city
from geo.demo_city.districts import load_districts
from geo.demo_city.layers import DemoCity
from geo.demo_city.shanwei import (
    CITY_ADCODE,
    COUNTY_SEATS,
    DISTRICT_ADCODES,
    DISTRICT_NAMES,
    ISLET_MIN_AREA_KM2,
    LARGE_COUNT,
    MAINLAND_MIN_LAT,
    MEDIUM_COUNT,
    SMALL_COUNT,
)

__all__ = [
    "CITY_ADCODE",
    "COUNTY_SEATS",
    "DISTRICT_ADCODES",
    "DISTRICT_NAMES",
    "ISLET_MIN_AREA_KM2",
    "LARGE_COUNT",
    "MAINLAND_MIN_LAT",
    "MEDIUM_COUNT",
    "SMALL_COUNT",
    "DemoCity",
    "ProgressCallback",
    "build_demo_city",
    "largest_remainder",
    "load_districts",
]
