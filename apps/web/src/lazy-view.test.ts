import { createElement, Suspense } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { lazyView, preloadViewFor, resourceViews } from './lazy-view';

const view = (text: string) => {
  let loads = 0;
  const View = lazyView(async () => {
    loads++;
    return { default: () => createElement('p', null, text) };
  });
  return { View, loads: () => loads };
};
const render = (View: (props: never) => unknown) =>
  renderToString(
    createElement(Suspense, { fallback: createElement('i', null, 'waiting') }, createElement(View as never)),
  );

describe('lazyView', () => {
  it('suspends before its module is loaded and renders at once after preload, loading the module once', async () => {
    const { View, loads } = view('ready');
    expect(render(View)).toContain('waiting');
    await View.preload();
    await View.preload();
    expect(render(View)).toContain('ready');
    expect(loads()).toBe(1);
  });

  it('a failed load does not reject preload (the render shows the error)', async () => {
    const View = lazyView(() => Promise.reject(new Error('chunk gone')));
    await expect(View.preload()).resolves.toBeUndefined();
  });
});

describe('preloadViewFor', () => {
  const list = view('list');
  const create = view('create');
  const edit = view('edit');
  const show = view('show');
  const routes = resourceViews('users', { list: list.View, create: create.View, edit: edit.View, show: show.View });

  it.each([
    ['/users', 'list'],
    ['/users/', 'list'],
    ['/users/create', 'create'],
    ['/users/12', 'edit'],
    ['/users/12/show', 'show'],
  ])('%s loads the %s view and nothing else', async (path, expected) => {
    const loaded = { list, create, edit, show };
    const before = Object.fromEntries(Object.entries(loaded).map(([k, v]) => [k, v.loads()]));
    await preloadViewFor(path, routes);
    for (const [name, entry] of Object.entries(loaded)) {
      // Loaded once at most; the expected one is loaded after this call.
      expect(entry.loads()).toBeLessThanOrEqual(1);
      if (name === expected) expect(entry.loads()).toBe(1);
      else expect(entry.loads()).toBe(before[name]);
    }
  });

  it('an unknown path loads nothing', async () => {
    const other = view('other');
    await preloadViewFor('/groups', resourceViews('users', { list: other.View }));
    expect(other.loads()).toBe(0);
  });

  it('skips views that cannot be preloaded (plain components)', () => {
    expect(resourceViews('tags', { list: () => null, show: show.View })).toHaveLength(1);
  });
});
