/**
 * Writes examples/data/inventory-sample.xlsx, the XLSX sample for the InventoryLoader (`npx tsx
 * scripts/make-sample-xlsx.ts`). The workbook is committed; rerun this only to change it.
 *
 * It shows what the importer reads from a workbook: the first worksheet, row 1 as the header, formulas as
 * their cached results (the price column), dates as ISO strings (last_counted), extra columns kept as strings;
 * one row without a name is there on purpose, so the report shows a rejection.
 */
import { join } from 'node:path';
import * as ExcelJS from 'exceljs';

type Row = [sku: string, name: string, quantity: number, listPrice: number, category: string, counted: Date];

const ROWS: Row[] = [
  ['PL-7001', 'Copper pipe 15 mm x 3 m', 60, 17.5, 'plumbing', new Date(Date.UTC(2025, 2, 28))],
  ['PL-7002', 'Compression elbow 15 mm', 240, 2.1, 'plumbing', new Date(Date.UTC(2025, 2, 28))],
  ['PL-7003', 'PTFE tape 12 m', 500, 0.95, 'plumbing', new Date(Date.UTC(2025, 2, 29))],
  ['PL-7004', 'Basin mixer tap', 12, 64.0, 'plumbing', new Date(Date.UTC(2025, 2, 29))],
  ['PL-7005', 'Silicone sealant, clear', 150, 5.8, 'plumbing', new Date(Date.UTC(2025, 2, 30))],
  ['LB-8001', 'Pine batten 44 x 22 mm x 2.4 m', 320, 3.2, 'lumber', new Date(Date.UTC(2025, 2, 30))],
  ['LB-8002', 'Plywood sheet 18 mm 2440 x 1220', 40, 38.5, 'lumber', new Date(Date.UTC(2025, 2, 30))],
  ['LB-8003', 'MDF board 12 mm 1220 x 607', 75, 12.4, 'lumber', new Date(Date.UTC(2025, 2, 31))],
  ['LB-8004', 'Decking board 28 x 144 mm x 3.6 m', 210, 14.9, 'lumber', new Date(Date.UTC(2025, 2, 31))],
  ['LB-8005', '', 30, 9.99, 'lumber', new Date(Date.UTC(2025, 2, 31))], // deliberately invalid: no name
  ['ST-9001', 'Steel shelving unit, 5 tier', 8, 79.0, 'storage', new Date(Date.UTC(2025, 3, 1))],
  ['ST-9002', 'Stackable storage box 45 L', 96, 11.5, 'storage', new Date(Date.UTC(2025, 3, 1))],
  ['ST-9003', 'Wall hook rail 60 cm', 54, 15.25, 'storage', new Date(Date.UTC(2025, 3, 1))],
  ['ST-9004', 'Tool chest, 7 drawer', 5, 229.0, 'storage', new Date(Date.UTC(2025, 3, 2))],
  ['ST-9005', 'Pegboard 60 x 120 cm', 27, 22.0, 'storage', new Date(Date.UTC(2025, 3, 2))],
  ['AD-9101', 'Wood glue 750 ml', 140, 8.3, 'adhesives', new Date(Date.UTC(2025, 3, 2))],
  ['AD-9102', 'Construction adhesive 290 ml', 160, 6.75, 'adhesives', new Date(Date.UTC(2025, 3, 3))],
  ['AD-9103', 'Epoxy, 5 minute, 25 ml', 85, 7.2, 'adhesives', new Date(Date.UTC(2025, 3, 3))],
  ['AD-9104', 'Duct tape 50 m', 200, 9.1, 'adhesives', new Date(Date.UTC(2025, 3, 3))],
  ['AD-9105', 'Super glue 3 g (2 pack)', 310, 3.45, 'adhesives', new Date(Date.UTC(2025, 3, 4))],
];

/** VAT-inclusive price, as the spreadsheet's formula computes it. */
const withVat = (net: number): number => Math.round(net * 1.2 * 100) / 100;

export async function writeSampleWorkbook(path: string): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'cdk-compute-patterns';
  workbook.created = new Date(Date.UTC(2025, 3, 4));
  workbook.modified = workbook.created;
  const sheet = workbook.addWorksheet('Inventory');
  sheet.columns = [
    { header: 'SKU', key: 'sku', width: 10 },
    { header: 'Name', key: 'name', width: 36 },
    { header: 'Quantity', key: 'quantity', width: 10 },
    { header: 'net_price', key: 'net_price', width: 10 },
    { header: 'Price', key: 'price', width: 10 },
    { header: 'Category', key: 'category', width: 12 },
    { header: 'last_counted', key: 'last_counted', width: 14, style: { numFmt: 'yyyy-mm-dd' } },
  ];
  ROWS.forEach(([sku, name, quantity, net, category, counted], index) => {
    const row = index + 2;
    sheet.addRow({
      sku,
      name,
      quantity,
      net_price: net,
      price: { formula: `ROUND(D${row}*1.2,2)`, result: withVat(net) },
      category,
      last_counted: counted,
    });
  });
  sheet.getRow(1).font = { bold: true };
  workbook.addWorksheet('Notes').addRow(['Only the first worksheet is imported.']);
  await workbook.xlsx.writeFile(path);
}

if (require.main === module) {
  const path = join(__dirname, '..', 'examples', 'data', 'inventory-sample.xlsx');
  writeSampleWorkbook(path)
    .then(() => console.log(`wrote ${path}`))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
