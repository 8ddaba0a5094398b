"""DICOM objects that are about other objects: structured reports (and, to come, segmentations,
RT structure sets and presentation states), read into plain data the page and the command line
show. Above :mod:`dicompeek.pixels` (a segmentation's frames are pixels), below the tag browser."""
