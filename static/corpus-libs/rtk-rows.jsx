// RTK Query: a list of posts, then one `useAuthorQuery(slug)` per row: the N+1
// that generated hooks make as easily as a loop of fetches.
import React from 'react';
import { api, mountStore } from './_rtk.jsx';

function Row({ post }) {
  const author = api.useAuthorQuery(post.author);
  return <li>{post.title}, by {author.data ? author.data.name : '…'}</li>;
}

function Posts() {
  const posts = api.usePostsQuery();
  return <ul id="posts">{(posts.data || []).map((p) => <Row key={p.id} post={p} />)}</ul>;
}

mountStore(Posts);
