/**
 * Apache ECharts with only the chart type (bars) and components the console draws, and the SVG renderer. A
 * chunk of its own (loadCharts in chart.tsx): most of the console's script, which pages without charts
 * never load, and which a page with charts fetches and evaluates while its data is on the way.
 */
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendPlainComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  GridComponent,
  TooltipComponent,
  // The plain legend: every legend here fits (it wraps), and the scrolling one is code nobody runs.
  LegendPlainComponent,
  SVGRenderer,
]);

export const { init } = echarts;
