// React Query: a list of posts, then one query per row for its author, by slug:
// an N+1 a data layer makes as easily as a loop of fetches.
import React from 'react';
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { mount } from './_app.jsx';

const client = new QueryClient();
const get = (url) => fetch(url).then((r) => r.json());

function Row({ post }) {
  const author = useQuery({ queryKey: ['author', post.author], queryFn: () => get(`/api/libs/authors/${post.author}`) });
  return <li>{post.title}, by {author.data ? author.data.name : '…'}</li>;
}

function Posts() {
  const posts = useQuery({ queryKey: ['posts'], queryFn: () => get('/api/libs/posts') });
  return <ul id="posts">{(posts.data || []).map((p) => <Row key={p.id} post={p} />)}</ul>;
}

mount(() => (
  <QueryClientProvider client={client}>
    <Posts />
  </QueryClientProvider>
));
