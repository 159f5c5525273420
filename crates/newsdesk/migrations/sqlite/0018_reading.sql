-- 相关文章 by shared tags reads article_tags from the tag's side (the articles carrying each of the
-- article's tags); the primary key (article_id, tag_id) only serves the article's side. PostgreSQL
-- has had this index since its first migration.
CREATE INDEX IF NOT EXISTS article_tags_tag ON article_tags (tag_id);
