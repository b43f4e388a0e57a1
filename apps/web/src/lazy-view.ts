/**
 * Views that load on demand, and can be loaded ahead. `React.lazy` suspends on its first render even when the chunk is
 * already in memory, and React then holds the page back (it reveals suspended content in steps of ~300 ms): the
 * page the browser opens on would wait for that step twice. A view made here renders at once when its module has
 * arrived, so `preloadViewFor(location)` at start-up lets the first page skip the fallback entirely.
 */
import { type ComponentType, createElement, lazy } from 'react';

type Module<P> = { default: ComponentType<P> };

export interface LazyView<P extends object> {
  (props: P): ReturnType<typeof createElement>;
  /** Starts loading the module (once) and resolves when it is ready to render without suspending. */
  preload(): Promise<void>;
  displayName?: string;
}

export function lazyView<P extends object>(load: () => Promise<Module<P>>): LazyView<P> {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<Module<P>> | undefined;
  const start = () => {
    loading ??= load().then((module) => {
      loaded = module.default;
      return module;
    });
    return loading;
  };
  const Suspending = lazy(start);
  const render = (props: P) => createElement((loaded ?? Suspending) as ComponentType<P>, props);
  const preload = () =>
    start().then(
      () => undefined,
      // A chunk that fails here fails again when rendered, where the error boundary shows it.
      () => undefined,
    );
  const View: LazyView<P> = Object.assign(render, { preload });
  return View;
}

/** The views a path opens on: `[pattern, view]`, first match wins. */
export type ViewRoutes = ReadonlyArray<readonly [RegExp, { preload(): Promise<void> }]>;

/** Starts loading the view (or views) the page at `pathname` renders first; resolves when they are ready. */
export function preloadViewFor(pathname: string, routes: ViewRoutes): Promise<void> {
  const matches = routes.filter(([pattern]) => pattern.test(pathname)).map(([, view]) => view.preload());
  return Promise.all(matches).then(() => undefined);
}

type ResourceViews = { list?: unknown; create?: unknown; edit?: unknown; show?: unknown };

const preloadable = (view: unknown): view is { preload(): Promise<void> } =>
  typeof view === 'function' && typeof (view as { preload?: unknown }).preload === 'function';

/** react-admin's paths for a resource's views: `/name`, `/name/create`, `/name/:id/show`, `/name/:id` (edit). */
export function resourceViews(name: string, views: ResourceViews): ViewRoutes {
  const paths = [
    [new RegExp(`^/${name}/?$`), views.list],
    [new RegExp(`^/${name}/create/?$`), views.create],
    [new RegExp(`^/${name}/[^/]+/show/?$`), views.show],
    [new RegExp(`^/${name}/(?!create/?$)[^/]+/?$`), views.edit],
  ] as const;
  return paths.flatMap(([pattern, view]) => (preloadable(view) ? [[pattern, view] as const] : []));
}
