-- The summary stays automatic (recomputed from the body's paragraphs on every save) until an
-- editor writes one. New articles start automatic. Existing rows are marked as written, since an
-- editor may have typed their summary and nothing tells the two apart: their text is kept, and
-- clearing the 摘要 field makes one automatic again.
ALTER TABLE articles ADD COLUMN summary_auto INTEGER NOT NULL DEFAULT 1;
UPDATE articles SET summary_auto = 0;
