// What the Apollo Client pages share: one client on the corpus' GraphQL endpoint
// (scripts/demo-server.mjs answers by operation), mounted as every page of this
// corpus is (React 18 in development, StrictMode, background traffic).
import React from 'react';
import { ApolloClient, InMemoryCache, HttpLink } from '@apollo/client';
import { ApolloProvider } from '@apollo/client/react';
import { mount } from './_app.jsx';

const client = new ApolloClient({ link: new HttpLink({ uri: '/api/libs/graphql' }), cache: new InMemoryCache() });

export function mountWithApollo(App) {
  mount(() => (
    <ApolloProvider client={client}>
      <App />
    </ApolloProvider>
  ));
}
