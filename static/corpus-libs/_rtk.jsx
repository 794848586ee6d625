// Redux Toolkit Query as an app declares it: one API slice over the local API,
// tags so that a mutation refreshes the reads it changes, and a store to mount.
import React from 'react';
import { configureStore } from '@reduxjs/toolkit';
import { createApi, fetchBaseQuery } from '@reduxjs/toolkit/query/react';
import { Provider } from 'react-redux';
import { mount } from './_app.jsx';

export const api = createApi({
  baseQuery: fetchBaseQuery({ baseUrl: '/api/libs/' }),
  tagTypes: ['Todo'],
  endpoints: (b) => ({
    posts: b.query({ query: () => 'posts' }),
    author: b.query({ query: (slug) => `authors/${slug}` }),
    todos: b.query({ query: () => 'todos', providesTags: ['Todo'] }),
    addTodo: b.mutation({ query: (title) => ({ url: 'todos', method: 'POST', body: { title } }), invalidatesTags: ['Todo'] }),
  }),
});

export function mountStore(App) {
  const store = configureStore({
    reducer: { [api.reducerPath]: api.reducer },
    middleware: (m) => m().concat(api.middleware),
  });
  mount(() => (
    <Provider store={store}>
      <App />
    </Provider>
  ));
}
