"""AP News (apnews.com), the news site of The Associated Press: site.toml (the spec) only; its pages are
read by the generic page object (crawler.sites.generic)."""
