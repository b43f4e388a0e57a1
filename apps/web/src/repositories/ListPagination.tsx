/**
 * The lists' pagination: react-admin's, except that a search total the server estimated (very many matches, sampled
 * rather than counted) reads "of about 20,000".
 */
import { Pagination, useListContext } from 'react-admin';

export function ListPagination({ rowsPerPageOptions }: { rowsPerPageOptions: number[] }) {
  const { meta } = useListContext();
  const estimated = (meta as { totalEstimated?: boolean } | undefined)?.totalEstimated === true;
  return (
    <Pagination
      rowsPerPageOptions={rowsPerPageOptions}
      {...(estimated
        ? {
            labelDisplayedRows: ({ from, to, count }: { from: number; to: number; count: number }) =>
              `${from}–${to} of about ${count.toLocaleString('en')}`,
          }
        : {})}
    />
  );
}
