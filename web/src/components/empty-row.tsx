/** The placeholder row a table shows while it has nothing to list. */
export function EmptyRow(props: { columns: number; text: string }) {
  return (
    <tr>
      <td colSpan={props.columns} class="empty">
        {props.text}
      </td>
    </tr>
  );
}
