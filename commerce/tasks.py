"""Commerce's part in the worker: the creator's catalogue biases the transcription of their speech
(`transcode/subtitles/vocabulary.py`) and names the products a highlight job listens for
(`transcode/highlights/service.py`). Imported by the worker's task module, as the domains' job
kinds are."""

from commerce.catalogue.service import catalogue_products, catalogue_vocabulary
from transcode import set_catalogue_view, set_vocabulary_view

set_vocabulary_view(catalogue_vocabulary)
set_catalogue_view(catalogue_products)
