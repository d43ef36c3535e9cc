# minatar_space_invaders_curves.gp, written by notebooks/sprig.ipynb; data in minatar_space_invaders_curves.dat.
set terminal pngcairo size 1000,600 enhanced font "Helvetica,11" background rgb "white"
set output "minatar_space_invaders_curves.png"
set termoption noenhanced
set title "MinAtar Space Invaders: training return (mean over 2%-of-steps windows), mean over complete seeds, band +- 1 sd; dotted: partial seeds"
set xlabel "environment steps"
set ylabel "training episode return"
set grid
set key top left
set format x "%.1s%c"

plot 'minatar_space_invaders_curves.dat' index 0 using 1:3:4 with filledcurves fc rgb '#1f77b4' fs transparent solid 0.15 notitle, 'minatar_space_invaders_curves.dat' index 0 using 1:2 with lines lw 2 lc rgb '#1f77b4' title 'PPO, plain CNN (3 seeds)', 'minatar_space_invaders_curves.dat' index 1 using 1:3:4 with filledcurves fc rgb '#ff7f0e' fs transparent solid 0.15 notitle, 'minatar_space_invaders_curves.dat' index 1 using 1:2 with lines lw 2 lc rgb '#ff7f0e' title 'PPO, attention end to end (3 seeds)', 'minatar_space_invaders_curves.dat' index 2 using 1:3:4 with filledcurves fc rgb '#d62728' fs transparent solid 0.15 notitle, 'minatar_space_invaders_curves.dat' index 2 using 1:2 with lines lw 2 lc rgb '#d62728' title 'SPRIG (3 seeds)'
