// Apollo Client: a post list whose rows each run their own `Author` query, by slug,
// over one GraphQL endpoint (POST, the operation's variables differ): an N+1 that
// a REST-minded check misses, since every request has the same URL.
import React from 'react';
import { gql } from '@apollo/client';
import { useQuery } from '@apollo/client/react';
import { mountWithApollo } from './_apollo.jsx';

const POSTS = gql`query Posts { posts { id title authorSlug } }`;
const AUTHOR = gql`query Author($slug: String!) { author(slug: $slug) { slug name } }`;

function Author({ slug }) {
  const { data } = useQuery(AUTHOR, { variables: { slug } });
  return <i>{data ? data.author.name : '…'}</i>;
}
function Posts() {
  const { data } = useQuery(POSTS);
  if (!data) return <p>Loading…</p>;
  window.postsShown = data.posts.length;
  return (
    <ul>
      {data.posts.map((p) => (
        <li key={p.id}>
          {p.title} by <Author slug={p.authorSlug} />
        </li>
      ))}
    </ul>
  );
}

mountWithApollo(Posts);
