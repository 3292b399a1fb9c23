"""Words too common to say anything about a chat, left out of its most used words.

English and Portuguese (the languages tgtui speaks), written out here rather than taken
from a package: the maintained lists on PyPI (``stop-words``, ``stopwordsiso``) would be a
dependency for a few hundred words. These are the function words of both languages
(articles, pronouns, prepositions, conjunctions, auxiliary verbs and their common forms,
and the most frequent adverbs), lower case; a word matches in any case, and Portuguese
words with or without accents (`nao` and `não` alike: people type both in chats).
"""

from __future__ import annotations

import unicodedata


def _words(text: str) -> frozenset[str]:
    """The words of a list written out, one space or newline between them."""
    return frozenset(text.split())


ENGLISH = _words(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only
    or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you
    your yours yourself yourselves im ive id ill youre youve youll hes shes its were theyre
    dont doesnt didnt isnt arent wasnt werent wont cant couldnt shouldnt wouldnt thats
    theres also get got just like one yes yeah ok okay oh s t ll ve re d m
    """
)

PORTUGUESE = _words(
    """
    a ao aos aquela aquelas aquele aqueles aquilo as até com como da das de dela delas dele
    deles depois do dos e ela elas ele eles em entre era eram essa essas esse esses esta
    estas este estes eu foi fomos for foram há isso isto já lhe lhes mais mas me mesmo meu
    meus minha minhas muito na nas não nem no nos nós nossa nossas nosso nossos num numa o
    os ou para pela pelas pelo pelos por quando que quem se sem ser seu seus só sua suas
    também te tem têm tenho teu teus tu tua tuas um uma umas uns você vocês vos à às é
    está estão estou estava ser sou são seja vai vou ter tinha ainda então aqui ali lá
    bem sim pra pro pq q tá ta né ne tô to eh ah
    """
)


def _folded(word: str) -> str:
    """``word`` without accents (``não`` -> ``nao``)."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


STOP_WORDS = ENGLISH | PORTUGUESE | frozenset(_folded(word) for word in PORTUGUESE)
