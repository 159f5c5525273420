-- 相关文章 by shared tags reads, for each of the article's tags, the newest articles carrying it
-- (by id, newest added last). With (tag_id, article_id) those come in order from the index alone
-- and the read stops at its limit: on a tag carried by tens of thousands of articles, counting
-- them all took over a second per page. It serves everything the (tag_id) index did.
CREATE INDEX IF NOT EXISTS article_tags_tag_article ON article_tags (tag_id, article_id);
DROP INDEX IF EXISTS article_tags_tag;
